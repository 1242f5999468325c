//! W3C Verifiable Credentials in JWT form (VC-JWT): `AgentGrantCredential`, `DelegatedGrantCredential` and
//! `AgentPassportCredential` (PROTOCOL.md §10.9, §3.6; IMPROVEMENTS.md items 3, 16, 20, 21, 28), and the signed
//! forms of the status lists they reference.
//!
//! The wire form is the VC Data Model 1.1 §6.3 JWT encoding (the credential in a `vc` claim, `iss`/`sub`/`jti`/
//! `nbf`/`exp` beside it), which upstream also uses for VC 2.0 credentials. [`verify_credential`] runs these
//! checks in this fixed order; the first failure decides the error code every binding reports:
//!
//! 1. options: at least one trusted issuer, each a DID; at least one expected type and algorithm; a status
//!    URL prefix, when set, ends with `/` ([`ErrorCode::InvalidOptions`]);
//! 2. JWS: size, structure, `alg` allow-list (RS256 by default), `crit`, key selection, signature
//!    ([`crate::jws`]);
//! 3. token kind ([`ErrorCode::WrongTokenType`]): header `typ` must be `JWT` (VC-DM 1.1 §6.3.1; upstream sets
//!    it on every VC-JWT) — absent, `vc+sd-jwt`, `dc+sd-jwt`, `kb+jwt`, `statuslist+jwt` and the VC-JOSE-COSE
//!    `vc+jwt` (whose payload *is* the credential, not a `vc` claim) are other kinds; a payload with `_sd_alg` is
//!    an SD-JWT issuer JWT, and one without `vc` but with grant/session claims (`agt`, `scp`, `purpose`) is a
//!    grant or session token;
//! 4. `vc` is an object ([`ErrorCode::InvalidCredential`], as is every content failure below);
//! 5. `iss` is a string in the trusted issuers ([`ErrorCode::UntrustedIssuer`]) and equals `vc.issuer`
//!    (string or `{id}`) when that is present;
//! 6. `vc.type` contains `VerifiableCredential` and one expected type;
//! 7. `vc.@context` starts with the VC 1.1 or 2.0 base context;
//! 8. `jti` equals `vc.id` when both are present;
//! 9. validity: `exp`, `vc.validUntil`, `vc.expirationDate` ([`ErrorCode::Expired`] when `now ≥ t + leeway`;
//!    at least one is required unless the caller opts out), then `nbf`, `vc.validFrom`, `vc.issuanceDate`
//!    ([`ErrorCode::NotYetValid`] when `now + leeway < t`), then `iat` ([`ErrorCode::IssuedInFuture`]). Every
//!    field present is checked, whichever data-model version names it, so no version mix-up can skip a bound;
//!    dates are strict RFC 3339 with a time zone;
//! 10. `sub` equals `credentialSubject.id` when both are present;
//! 11. subject shape of every Grantex type in `vc.type` (see [`check_subject`]);
//! 12. `credentialStatus` ([`StatusSource`]): entries parse ([`status::parse_credential_status`]), each list
//!     URL starts with the configured prefix (item 20: the status URL must be ours), then each `revocation` or
//!     `suspension` entry is looked up: a missing or stale list is [`ErrorCode::StatusUnavailable`] unless
//!     `status_required` is off (then the entry is reported unchecked); a list of the wrong kind, entry size or
//!     purpose, or an index outside it, is [`ErrorCode::InvalidStatusList`]; a non-zero status is
//!     [`ErrorCode::Revoked`]. Entries with other purposes (`refresh`, `message`) say nothing about validity and
//!     are only reported.

mod rfc3339;

#[cfg(test)]
mod tests;

use crate::crypto::Algorithm;
use crate::did::{AgentDid, validate_did};
use crate::error::{Error, ErrorCode, Result};
use crate::jwk::KeySet;
use crate::jws::{self, DEFAULT_MAX_TOKEN_BYTES, JwsOptions};
use crate::status::{
    self, BitstringStatusEntry, BitstringStatusList, StatusList, StatusListCache, StatusListLimits,
    StatusListToken, TokenStatusList,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The VC Data Model 1.1 base context.
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";
/// The VC Data Model 2.0 base context.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The type every verifiable credential carries.
pub const VERIFIABLE_CREDENTIAL: &str = "VerifiableCredential";
/// A grant issued on code exchange (PROTOCOL.md §10.9).
pub const AGENT_GRANT_CREDENTIAL: &str = "AgentGrantCredential";
/// A delegated grant, with its parent grant named (IMPROVEMENTS.md item 16).
pub const DELEGATED_GRANT_CREDENTIAL: &str = "DelegatedGrantCredential";
/// An MPP agent passport (upstream `@grantex/mpp`).
pub const AGENT_PASSPORT_CREDENTIAL: &str = "AgentPassportCredential";
/// The credential types [`VcVerifyOptions::new`] accepts.
pub const GRANTEX_CREDENTIAL_TYPES: [&str; 3] = [
    AGENT_GRANT_CREDENTIAL,
    DELEGATED_GRANT_CREDENTIAL,
    AGENT_PASSPORT_CREDENTIAL,
];
/// Status-list credential types [`verify_status_list_credential`] accepts.
pub const STATUS_LIST_CREDENTIAL_TYPES: [&str; 2] =
    ["BitstringStatusListCredential", "StatusList2021Credential"];

/// Options of [`verify_credential`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VcVerifyOptions {
    /// Issuer DIDs whose credentials are accepted (`iss`). Empty is [`ErrorCode::InvalidOptions`]: there is no
    /// "any issuer" mode, because the key set alone does not say whose credentials these are (item 3).
    pub trusted_issuers: Vec<String>,
    /// Credential types of which `vc.type` must contain at least one.
    pub expected_types: Vec<String>,
    /// Accepted signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// The current time, Unix seconds. The core never reads the clock.
    pub now: u64,
    /// Allowed clock skew in seconds for every time bound.
    pub leeway: u64,
    /// Whether a `credentialStatus` entry whose list is not available fails verification (the default; item
    /// 20) or is reported unchecked (upstream's fail-open behaviour, for callers that check status elsewhere).
    pub status_required: bool,
    /// When set, every `statusListCredential` must start with this prefix (e.g.
    /// `https://grantex.dev/v1/credentials/status/`). It must end with `/`, so a host name cannot be extended.
    pub status_url_prefix: Option<String>,
    /// Whether the credential must carry an expiry (`exp`, `validUntil` or `expirationDate`). Default true:
    /// every Grantex credential expires with its grant.
    pub require_expiry: bool,
    /// Maximum token length in bytes.
    pub max_token_bytes: usize,
}

impl VcVerifyOptions {
    /// Defaults: the three Grantex credential types, RS256, leeway 0, status required, no URL prefix, expiry
    /// required, 16 KiB limit.
    pub fn new(trusted_issuers: Vec<String>, now: u64) -> Self {
        VcVerifyOptions {
            trusted_issuers,
            expected_types: GRANTEX_CREDENTIAL_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            algorithms: vec![Algorithm::RS256],
            now,
            leeway: 0,
            status_required: true,
            status_url_prefix: None,
            require_expiry: true,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// Where [`verify_credential`] finds the status lists a credential references.
#[derive(Debug, Clone, Copy)]
pub enum StatusSource<'a> {
    /// The caller has no lists: any entry to check is [`ErrorCode::StatusUnavailable`] (or unchecked when
    /// [`VcVerifyOptions::status_required`] is off).
    None,
    /// Lists the caller fetched and verified, keyed by `statusListCredential` URL.
    Lists(&'a HashMap<String, StatusList>),
    /// A cache of verified lists, read at [`VcVerifyOptions::now`] so one clock decides the whole verification.
    Cache(&'a StatusListCache),
}

/// The VC Data Model version named by the first `@context` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DataModel {
    /// `https://www.w3.org/2018/credentials/v1`.
    #[serde(rename = "1.1")]
    V1_1,
    /// `https://www.w3.org/ns/credentials/v2`.
    #[serde(rename = "2.0")]
    V2_0,
}

/// One `credentialStatus` entry and whether it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialStatusEntry {
    /// `statusListCredential`.
    pub status_list_credential: String,
    /// `statusListIndex`.
    pub status_list_index: u64,
    /// `statusPurpose`.
    pub status_purpose: String,
    /// `statusSize` (1 when absent).
    pub status_size: u8,
    /// Whether the list was consulted (false for purposes that do not affect validity, and for lists that were
    /// unavailable while [`VcVerifyOptions::status_required`] was off).
    pub checked: bool,
}

/// A verified credential, serialized camelCase.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedCredential {
    /// `jti`, else `vc.id`.
    pub id: Option<String>,
    /// `iss`, a trusted issuer DID.
    pub issuer: String,
    /// `sub`, else `credentialSubject.id`.
    pub subject_id: Option<String>,
    /// `vc.credentialSubject`, verbatim.
    pub subject: Value,
    /// `vc.type`, in order.
    pub types: Vec<String>,
    /// The first type after `VerifiableCredential` that the caller expected (e.g. `AgentGrantCredential`).
    pub credential_type: String,
    /// The data model named by `@context`.
    pub data_model: DataModel,
    /// `iat`, else `vc.validFrom` / `vc.issuanceDate` (Unix seconds).
    pub issued_at: Option<i64>,
    /// The earliest of `exp`, `vc.validUntil`, `vc.expirationDate` (Unix seconds).
    pub expires_at: Option<i64>,
    /// The `credentialStatus` entries, in order.
    pub status_entries: Vec<CredentialStatusEntry>,
    /// The whole JWT payload.
    pub payload: Value,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCredential, message)
}

fn invalid_options(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidOptions, message)
}

fn check_issuer_options(trusted_issuers: &[String], algorithms: &[Algorithm]) -> Result<()> {
    if trusted_issuers.is_empty() {
        return Err(invalid_options(
            "no trusted issuer: credential verification needs at least one issuer DID",
        ));
    }
    for did in trusted_issuers {
        validate_did(did)
            .map_err(|e| invalid_options(format!("trusted issuer {did:?}: {}", e.message)))?;
    }
    if algorithms.is_empty() {
        return Err(invalid_options("no signature algorithm is allowed"));
    }
    Ok(())
}

/// The checks shared by credentials and status-list credentials (steps 2–9 of the module documentation).
struct Rules<'a> {
    trusted_issuers: &'a [String],
    accepted_types: &'a [String],
    algorithms: &'a [Algorithm],
    max_token_bytes: usize,
    now: u64,
    leeway: u64,
    require_expiry: bool,
}

struct Envelope {
    payload: Map<String, Value>,
    issuer: String,
    types: Vec<String>,
    credential_type: String,
    data_model: DataModel,
    id: Option<String>,
    issued_at: Option<i64>,
    expires_at: Option<i64>,
}

/// Header `typ` of a VC-JWT: `JWT`, case-insensitive, `application/` optional (RFC 7515 §4.1.9).
fn vc_typ_allowed(typ: &str) -> bool {
    typ.strip_prefix("application/")
        .unwrap_or(typ)
        .eq_ignore_ascii_case("jwt")
}

fn optional_string<'a>(
    map: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<Option<&'a str>> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(_) => Err(invalid(format!("{what}{name} is not a non-empty string"))),
    }
}

fn int_claim(payload: &Map<String, Value>, name: &str) -> Result<Option<i64>> {
    match payload.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| i64::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(format!("claim {name:?} is not a non-negative integer"))),
    }
}

fn date_member(vc: &Map<String, Value>, name: &str) -> Result<Option<rfc3339::Instant>> {
    match vc.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => rfc3339::parse(s).map(Some).ok_or_else(|| {
            invalid(format!(
                "vc.{name} {s:?} is not an RFC 3339 date-time with a time zone"
            ))
        }),
        Some(_) => Err(invalid(format!("vc.{name} is not a string"))),
    }
}

fn open_envelope(keys: &KeySet, jwt: &str, rules: &Rules<'_>) -> Result<Envelope> {
    let verified = jws::verify(
        keys,
        jwt,
        &JwsOptions {
            algorithms: rules.algorithms.to_vec(),
            max_token_bytes: rules.max_token_bytes,
        },
    )?;
    match verified.header.typ.as_deref() {
        Some(typ) if vc_typ_allowed(typ) => {}
        Some(typ) => {
            return Err(Error::new(
                ErrorCode::WrongTokenType,
                format!("token type {typ:?} is not a VC-JWT (JWT)"),
            ));
        }
        None => {
            return Err(Error::new(
                ErrorCode::WrongTokenType,
                "a VC-JWT must have header typ \"JWT\"",
            ));
        }
    }
    let payload = crate::json::parse_object_strict(&verified.payload)
        .map_err(|e| Error::malformed(format!("JWS payload: {e}")))?;
    if payload.contains_key("_sd_alg") {
        return Err(Error::new(
            ErrorCode::WrongTokenType,
            "an SD-JWT issuer JWT (_sd_alg) is not a VC-JWT",
        ));
    }
    let vc = match payload.get("vc") {
        Some(Value::Object(vc)) => vc,
        Some(_) => return Err(invalid("claim \"vc\" is not an object")),
        None if ["agt", "scp", "purpose"]
            .iter()
            .any(|c| payload.contains_key(*c)) =>
        {
            return Err(Error::new(
                ErrorCode::WrongTokenType,
                "a grant or session token is not a VC-JWT",
            ));
        }
        None => return Err(invalid("claim \"vc\" is missing")),
    };

    let issuer = match payload.get("iss") {
        Some(Value::String(iss)) => iss.clone(),
        Some(_) => return Err(invalid("claim \"iss\" is not a string")),
        None => return Err(invalid("claim \"iss\" is missing")),
    };
    if !rules.trusted_issuers.contains(&issuer) {
        return Err(Error::new(
            ErrorCode::UntrustedIssuer,
            format!("issuer {issuer:?} is not trusted"),
        ));
    }
    let vc_issuer = match vc.get("issuer") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => match o.get("id") {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => return Err(invalid("vc.issuer.id is not a string")),
        },
        Some(_) => return Err(invalid("vc.issuer is neither a string nor an object")),
    };
    if let Some(vc_issuer) = vc_issuer.filter(|i| *i != issuer) {
        return Err(invalid(format!(
            "vc.issuer {vc_issuer:?} differs from iss {issuer:?}"
        )));
    }

    let types: Vec<String> = match vc.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("vc.type contains a non-string"))?,
        Some(_) => return Err(invalid("vc.type is neither a string nor an array")),
        None => return Err(invalid("vc.type is missing")),
    };
    if !types.iter().any(|t| t == VERIFIABLE_CREDENTIAL) {
        return Err(invalid("vc.type does not contain VerifiableCredential"));
    }
    let credential_type = types
        .iter()
        .find(|t| rules.accepted_types.contains(t))
        .cloned()
        .ok_or_else(|| {
            invalid(format!(
                "vc.type {types:?} contains none of {:?}",
                rules.accepted_types
            ))
        })?;

    let first_context = match vc.get("@context") {
        Some(Value::String(c)) => Some(c.as_str()),
        Some(Value::Array(cs)) => cs.first().and_then(Value::as_str),
        _ => None,
    };
    let data_model = match first_context {
        Some(VC_V1_CONTEXT) => DataModel::V1_1,
        Some(VC_V2_CONTEXT) => DataModel::V2_0,
        _ => {
            return Err(invalid(
                "vc.@context does not start with the VC 1.1 or 2.0 base context",
            ));
        }
    };

    let jti = optional_string(&payload, "jti", "claim ")?;
    let vc_id = optional_string(vc, "id", "vc.")?;
    if let (Some(jti), Some(vc_id)) = (jti, vc_id)
        && jti != vc_id
    {
        return Err(invalid(format!("jti {jti:?} differs from vc.id {vc_id:?}")));
    }
    let id = jti.or(vc_id).map(str::to_owned);

    let (issued_at, expires_at) = check_validity(&payload, vc, rules)?;
    Ok(Envelope {
        issuer,
        types,
        credential_type,
        data_model,
        id,
        issued_at,
        expires_at,
        payload,
    })
}

/// Step 9: every expiry, then every start, then `iat`. Returns (issued at, effective expiry).
fn check_validity(
    payload: &Map<String, Value>,
    vc: &Map<String, Value>,
    rules: &Rules<'_>,
) -> Result<(Option<i64>, Option<i64>)> {
    let now = i128::from(rules.now);
    let leeway = i128::from(rules.leeway);
    let exp = int_claim(payload, "exp")?;
    let nbf = int_claim(payload, "nbf")?;
    let iat = int_claim(payload, "iat")?;
    let valid_until = date_member(vc, "validUntil")?;
    let expiration_date = date_member(vc, "expirationDate")?;
    let valid_from = date_member(vc, "validFrom")?;
    let issuance_date = date_member(vc, "issuanceDate")?;

    // A fractional end instant is rounded down and a fractional start up: the error is always toward rejecting.
    let expires_at = [
        exp,
        valid_until.map(|i| i.seconds),
        expiration_date.map(|i| i.seconds),
    ]
    .into_iter()
    .flatten()
    .min();
    match expires_at {
        Some(t) if now >= i128::from(t) + leeway => {
            return Err(Error::new(
                ErrorCode::Expired,
                format!("the credential expired at {t}"),
            ));
        }
        None if rules.require_expiry => {
            return Err(invalid(
                "the credential has no expiry (exp, validUntil or expirationDate)",
            ));
        }
        _ => {}
    }
    let starts = [
        nbf,
        valid_from.map(rfc3339::Instant::ceil),
        issuance_date.map(rfc3339::Instant::ceil),
    ];
    if let Some(t) = starts
        .into_iter()
        .flatten()
        .max()
        .filter(|t| now + leeway < i128::from(*t))
    {
        return Err(Error::new(
            ErrorCode::NotYetValid,
            format!("the credential is not valid before {t}"),
        ));
    }
    if let Some(t) = iat.filter(|t| i128::from(*t) > now + leeway) {
        return Err(Error::new(
            ErrorCode::IssuedInFuture,
            format!("the credential claims to be issued at {t}"),
        ));
    }
    let issued_at = iat
        .or(valid_from.map(|i| i.seconds))
        .or(issuance_date.map(|i| i.seconds));
    Ok((issued_at, expires_at))
}

/// Verifies a VC-JWT credential against `keys` under `options`, resolving `credentialStatus` from `status`.
/// See the module documentation for the check order and error codes.
pub fn verify_credential(
    keys: &KeySet,
    vc_jwt: &str,
    options: &VcVerifyOptions,
    status: StatusSource<'_>,
) -> Result<VerifiedCredential> {
    check_issuer_options(&options.trusted_issuers, &options.algorithms)?;
    if options.expected_types.is_empty() {
        return Err(invalid_options("no expected credential type"));
    }
    if let Some(prefix) = &options.status_url_prefix
        && (!prefix.ends_with('/') || prefix.len() < 2)
    {
        return Err(invalid_options(format!(
            "status URL prefix {prefix:?} must end with \"/\""
        )));
    }
    let rules = Rules {
        trusted_issuers: &options.trusted_issuers,
        accepted_types: &options.expected_types,
        algorithms: &options.algorithms,
        max_token_bytes: options.max_token_bytes,
        now: options.now,
        leeway: options.leeway,
        require_expiry: options.require_expiry,
    };
    let envelope = open_envelope(keys, vc_jwt, &rules)?;
    let vc = match envelope.payload.get("vc") {
        Some(Value::Object(vc)) => vc,
        _ => {
            return Err(Error::new(
                ErrorCode::Internal,
                "vc vanished after the envelope checks",
            ));
        }
    };

    let subject = match vc.get("credentialSubject") {
        Some(Value::Object(s)) => s,
        Some(_) => return Err(invalid("vc.credentialSubject is not a single object")),
        None => return Err(invalid("vc.credentialSubject is missing")),
    };
    let sub = optional_string(&envelope.payload, "sub", "claim ")?;
    let subject_id = optional_string(subject, "id", "credentialSubject.")?;
    if let (Some(sub), Some(subject_id)) = (sub, subject_id)
        && sub != subject_id
    {
        return Err(invalid(format!(
            "sub {sub:?} differs from credentialSubject.id {subject_id:?}"
        )));
    }
    for t in &envelope.types {
        check_subject(t, subject)?;
    }

    let status_entries = match vc.get("credentialStatus") {
        None => Vec::new(),
        Some(value) => check_status(&status::parse_credential_status(value)?, options, status)?,
    };

    Ok(VerifiedCredential {
        id: envelope.id,
        issuer: envelope.issuer,
        subject_id: sub.or(subject_id).map(str::to_owned),
        subject: Value::Object(subject.clone()),
        types: envelope.types,
        credential_type: envelope.credential_type,
        data_model: envelope.data_model,
        issued_at: envelope.issued_at,
        expires_at: envelope.expires_at,
        status_entries,
        payload: Value::Object(envelope.payload.clone()),
    })
}

fn required_string<'a>(s: &'a Map<String, Value>, name: &str, ty: &str) -> Result<&'a str> {
    match s.get(name) {
        Some(Value::String(v)) if !v.is_empty() => Ok(v),
        Some(_) => Err(invalid(format!(
            "{ty}: credentialSubject.{name} is not a non-empty string"
        ))),
        None => Err(invalid(format!(
            "{ty}: credentialSubject.{name} is missing"
        ))),
    }
}

fn string_array(s: &Map<String, Value>, name: &str, ty: &str) -> Result<()> {
    match s.get(name) {
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(invalid(format!(
            "{ty}: credentialSubject.{name} is not an array of strings"
        ))),
        None => Err(invalid(format!(
            "{ty}: credentialSubject.{name} is missing"
        ))),
    }
}

fn depth(s: &Map<String, Value>, min: u64, ty: &str) -> Result<u64> {
    s.get("delegationDepth")
        .ok_or_else(|| {
            invalid(format!(
                "{ty}: credentialSubject.delegationDepth is missing"
            ))
        })?
        .as_u64()
        .filter(|d| *d >= min)
        .ok_or_else(|| {
            invalid(format!(
                "{ty}: credentialSubject.delegationDepth is not an integer ≥ {min}"
            ))
        })
}

fn agent_did(s: &Map<String, Value>, name: &str, ty: &str) -> Result<()> {
    let did = required_string(s, name, ty)?;
    AgentDid::parse(did)
        .map(|_| ())
        .map_err(|e| invalid(format!("{ty}: credentialSubject.{name}: {}", e.message)))
}

fn optional_agent_did(s: &Map<String, Value>, name: &str, ty: &str) -> Result<()> {
    if s.contains_key(name) {
        agent_did(s, name, ty)
    } else {
        Ok(())
    }
}

fn optional_nonempty(s: &Map<String, Value>, name: &str, ty: &str) -> Result<()> {
    if s.contains_key(name) {
        required_string(s, name, ty).map(|_| ())
    } else {
        Ok(())
    }
}

/// Checks `credentialSubject` for a Grantex credential type; other types are not interpreted.
///
/// * `AgentGrantCredential`: `id` a `did:grantex:ag_…` agent DID; `principalId`, `developerId`, `grantId`
///   non-empty strings; `scopes` an array of strings; `delegationDepth` an integer ≥ 0; optional
///   `parentGrantId` (non-empty string) and `parentAgentDid` (agent DID) for delegated grants (item 16).
/// * `DelegatedGrantCredential`: the same, with `parentGrantId` required and `delegationDepth` ≥ 1.
/// * `AgentPassportCredential` (upstream `@grantex/mpp`): `id` an agent DID; `humanPrincipal`, `grantId`
///   non-empty strings; `organizationDID` a DID; `allowedMPPCategories` and `paymentRails` arrays of strings;
///   `maxTransactionAmount` `{amount: number ≥ 0, currency: non-empty string}`; `delegationDepth` an integer
///   ≥ 0; optional `parentPassportId` (non-empty string).
pub fn check_subject(credential_type: &str, s: &Map<String, Value>) -> Result<()> {
    let ty = credential_type;
    match ty {
        AGENT_GRANT_CREDENTIAL | DELEGATED_GRANT_CREDENTIAL => {
            let delegated = ty == DELEGATED_GRANT_CREDENTIAL;
            agent_did(s, "id", ty)?;
            for name in ["principalId", "developerId", "grantId"] {
                required_string(s, name, ty)?;
            }
            string_array(s, "scopes", ty)?;
            depth(s, u64::from(delegated), ty)?;
            if delegated {
                required_string(s, "parentGrantId", ty)?;
            } else {
                optional_nonempty(s, "parentGrantId", ty)?;
            }
            optional_agent_did(s, "parentAgentDid", ty)
        }
        AGENT_PASSPORT_CREDENTIAL => {
            agent_did(s, "id", ty)?;
            required_string(s, "humanPrincipal", ty)?;
            required_string(s, "grantId", ty)?;
            let org = required_string(s, "organizationDID", ty)?;
            validate_did(org).map_err(|e| {
                invalid(format!(
                    "{ty}: credentialSubject.organizationDID: {}",
                    e.message
                ))
            })?;
            string_array(s, "allowedMPPCategories", ty)?;
            string_array(s, "paymentRails", ty)?;
            let amount = s.get("maxTransactionAmount").and_then(Value::as_object);
            let ok = amount.is_some_and(|a| {
                a.get("amount")
                    .and_then(Value::as_f64)
                    .is_some_and(|n| n.is_finite() && n >= 0.0)
                    && a.get("currency")
                        .and_then(Value::as_str)
                        .is_some_and(|c| !c.is_empty())
            });
            if !ok {
                return Err(invalid(format!(
                    "{ty}: credentialSubject.maxTransactionAmount is not {{amount ≥ 0, currency}}"
                )));
            }
            depth(s, 0, ty)?;
            optional_nonempty(s, "parentPassportId", ty)
        }
        _ => Ok(()),
    }
}

/// Purposes whose set status makes a credential invalid; others (`refresh`, `message`) are informational.
fn purpose_affects_validity(purpose: &str) -> bool {
    purpose == "revocation" || purpose == "suspension"
}

fn check_status(
    entries: &[BitstringStatusEntry],
    options: &VcVerifyOptions,
    source: StatusSource<'_>,
) -> Result<Vec<CredentialStatusEntry>> {
    if let Some(prefix) = &options.status_url_prefix
        && let Some(entry) = entries
            .iter()
            .find(|e| !e.reference.uri.starts_with(prefix.as_str()))
    {
        return Err(invalid(format!(
            "status list {:?} is not under {prefix:?}",
            entry.reference.uri
        )));
    }
    let now = i64::try_from(options.now).unwrap_or(i64::MAX);
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let uri = &entry.reference.uri;
        let checked = if purpose_affects_validity(&entry.purpose) {
            let list = match source {
                StatusSource::None => Err(Error::new(
                    ErrorCode::StatusUnavailable,
                    format!("no status list was provided for {uri}"),
                )),
                StatusSource::Lists(lists) => lists.get(uri).ok_or_else(|| {
                    Error::new(
                        ErrorCode::StatusUnavailable,
                        format!("no status list was provided for {uri}"),
                    )
                }),
                StatusSource::Cache(cache) => cache.get(uri, now),
            };
            match list {
                Ok(list) => check_entry(entry, list).map(|()| true)?,
                Err(e) if e.code == ErrorCode::StatusUnavailable && !options.status_required => {
                    false
                }
                Err(e) => return Err(e),
            }
        } else {
            false
        };
        out.push(CredentialStatusEntry {
            status_list_credential: uri.clone(),
            status_list_index: entry.reference.idx,
            status_purpose: entry.purpose.clone(),
            status_size: entry.status_size,
            checked,
        });
    }
    Ok(out)
}

fn check_entry(entry: &BitstringStatusEntry, list: &StatusList) -> Result<()> {
    let bad = |m: String| Err(Error::new(ErrorCode::InvalidStatusList, m));
    let uri = &entry.reference.uri;
    let StatusList::Bitstring(bits) = list else {
        // IETF lists count bits from the other end; reading one for a W3C entry would test the wrong bit.
        return bad(format!(
            "the list for {uri} is an IETF token status list, not a W3C bitstring"
        ));
    };
    if bits.status_size() != entry.status_size {
        return bad(format!(
            "the list for {uri} has statusSize {}, the entry {}",
            bits.status_size(),
            entry.status_size
        ));
    }
    if !bits.purposes().is_empty() && !bits.purposes().contains(&entry.purpose) {
        return bad(format!(
            "the list for {uri} does not serve purpose {:?}",
            entry.purpose
        ));
    }
    match bits.get_status(entry.reference.idx)? {
        0 => Ok(()),
        value => Err(Error::new(
            ErrorCode::Revoked,
            match entry.purpose.as_str() {
                "suspension" => format!(
                    "the status list marks the credential suspended (entry {})",
                    entry.reference.idx
                ),
                _ if value == 1 => format!(
                    "the status list marks the credential revoked (entry {})",
                    entry.reference.idx
                ),
                _ => format!("the status list marks the credential with status 0x{value:02x}"),
            },
        )),
    }
}

/// The upstream `POST /v1/credentials/verify` answer for a verification result (PROTOCOL.md §10.9), with the
/// compatibility keys the TS and Python SDKs read (IMPROVEMENTS.md item 29).
///
/// Valid: `{valid: true, vcId, payload, credentialType, issuer, subject, expiresAt, revoked: false}`, where
/// `expiresAt` is an ISO 8601 string (`null` without expiry). Invalid: `{valid: false, error, code,
/// revoked}` plus `expired: true` for [`ErrorCode::Expired`]; `error` is the message, `code` the stable code.
pub fn upstream_verify_response(result: &Result<VerifiedCredential>) -> Value {
    match result {
        Ok(vc) => json!({
            "valid": true,
            "vcId": vc.id,
            "payload": vc.payload,
            "credentialType": vc.credential_type,
            "issuer": vc.issuer,
            "subject": vc.subject,
            "expiresAt": vc.expires_at.map(rfc3339::format_iso),
            "revoked": false,
        }),
        Err(e) => {
            let mut out = json!({
                "valid": false,
                "error": e.message,
                "code": e.code.as_str(),
                "revoked": e.code == ErrorCode::Revoked,
            });
            if e.code == ErrorCode::Expired
                && let Some(obj) = out.as_object_mut()
            {
                obj.insert("expired".into(), Value::Bool(true));
            }
            out
        }
    }
}

/// Options of [`verify_status_list_credential`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusListVerifyOptions {
    /// Issuer DIDs whose lists are accepted. Empty is [`ErrorCode::InvalidOptions`].
    pub trusted_issuers: Vec<String>,
    /// Accepted signature algorithms.
    pub algorithms: Vec<Algorithm>,
    /// The current time, Unix seconds.
    pub now: u64,
    /// Allowed clock skew in seconds.
    pub leeway: u64,
    /// The `statusListCredential` URL being resolved: when set, the credential's id (`jti` or `vc.id`) must
    /// equal it, so a list signed for one URL cannot be served for another.
    pub expected_id: Option<String>,
    /// Size bounds for decoding the list.
    pub limits: StatusListLimits,
    /// Maximum token length in bytes.
    pub max_token_bytes: usize,
}

impl StatusListVerifyOptions {
    /// Defaults: RS256, leeway 0, no expected id, default limits, 16 KiB limit (raise it for large lists).
    pub fn new(trusted_issuers: Vec<String>, now: u64) -> Self {
        StatusListVerifyOptions {
            trusted_issuers,
            algorithms: vec![Algorithm::RS256],
            now,
            leeway: 0,
            expected_id: None,
            limits: StatusListLimits::default(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// Verifies the VC-JWT form of a `StatusList2021Credential` / `BitstringStatusListCredential` (IMPROVEMENTS.md
/// item 21) and decodes its list. Steps 2–9 of the module documentation apply (with the status-list types and no
/// expiry requirement: W3C lists rely on `ttl` and caching), then the id check ([`ErrorCode::InvalidStatusList`])
/// and the `credentialSubject` decoding ([`BitstringStatusList::from_credential_subject_with`]).
pub fn verify_status_list_credential(
    keys: &KeySet,
    jwt: &str,
    options: &StatusListVerifyOptions,
) -> Result<BitstringStatusList> {
    check_issuer_options(&options.trusted_issuers, &options.algorithms)?;
    let accepted: Vec<String> = STATUS_LIST_CREDENTIAL_TYPES
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    let rules = Rules {
        trusted_issuers: &options.trusted_issuers,
        accepted_types: &accepted,
        algorithms: &options.algorithms,
        max_token_bytes: options.max_token_bytes,
        now: options.now,
        leeway: options.leeway,
        require_expiry: false,
    };
    let envelope = open_envelope(keys, jwt, &rules)?;
    if let Some(expected) = &options.expected_id
        && envelope.id.as_deref() != Some(expected.as_str())
    {
        return Err(Error::new(
            ErrorCode::InvalidStatusList,
            format!(
                "the status list credential id {:?} is not {expected:?}",
                envelope.id
            ),
        ));
    }
    let subject = envelope
        .payload
        .get("vc")
        .and_then(|vc| vc.get("credentialSubject"))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidStatusList,
                "vc.credentialSubject is missing",
            )
        })?;
    BitstringStatusList::from_credential_subject_with(subject, &options.limits)
}

/// Algorithms accepted for Status List Tokens: every asymmetric algorithm the core implements (the draft
/// forbids MACs, which [`crate::jws`] never accepts anyway).
const STATUS_TOKEN_ALGORITHMS: [Algorithm; 9] = Algorithm::ALL;

/// Verifies an IETF Status List Token (`typ: statuslist+jwt`, draft-ietf-oauth-status-list) signed by a key
/// in `keys` and reads it ([`TokenStatusList::from_jwt_payload`]). The key set is the trust decision: pass
/// only the list issuer's keys. `exp` in the past is [`ErrorCode::Expired`], `iat` after `now` is
/// [`ErrorCode::IssuedInFuture`]; the caller checks that `subject` is the URI it resolved.
pub fn verify_status_list_token(keys: &KeySet, jwt: &str, now: u64) -> Result<StatusListToken> {
    let verified = jws::verify(keys, jwt, &JwsOptions::new(&STATUS_TOKEN_ALGORITHMS))?;
    let typ = verified.header.typ.as_deref().unwrap_or_default();
    if !typ
        .strip_prefix("application/")
        .unwrap_or(typ)
        .eq_ignore_ascii_case("statuslist+jwt")
    {
        return Err(Error::new(
            ErrorCode::WrongTokenType,
            format!("token type {typ:?} is not statuslist+jwt"),
        ));
    }
    let payload = crate::json::parse_value_strict(&verified.payload)
        .map_err(|e| Error::malformed(format!("JWS payload: {e}")))?;
    let token = TokenStatusList::from_jwt_payload(&payload)?;
    let now = i128::from(now);
    if let Some(exp) = token.expires_at.filter(|exp| now >= i128::from(*exp)) {
        return Err(Error::new(
            ErrorCode::Expired,
            format!("the status list token expired at {exp}"),
        ));
    }
    if i128::from(token.issued_at) > now {
        return Err(Error::new(
            ErrorCode::IssuedInFuture,
            "the status list token claims to be issued in the future",
        ));
    }
    Ok(token)
}
