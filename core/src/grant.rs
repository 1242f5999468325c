//! Grant-token verification: the rule set of PROTOCOL.md §4.1 ("ours" column), once, for every runtime.
//!
//! Check order (fixed, because the first failure decides the error code every binding reports):
//! 1. JWS: size, structure, `alg` allow-list, `crit`, key selection, signature ([`crate::jws`]);
//! 2. token kind: header `typ` absent or a JWT/access-token type; payload without `vc`, `purpose`,
//!    `_sd_alg` ([`ErrorCode::WrongTokenType`]);
//! 3. claim presence and types: `iss`, `sub`, `jti`, `agt`, `dev`, `scp`, `iat`, `exp`, then the optional
//!    claims ([`ErrorCode::MissingClaim`], [`ErrorCode::InvalidClaim`]);
//! 4. `iss` ([`ErrorCode::InvalidIssuer`]);
//! 5. time: `exp`, `nbf`, `iat` ([`ErrorCode::Expired`], [`ErrorCode::NotYetValid`],
//!    [`ErrorCode::IssuedInFuture`]);
//! 6. `aud` ([`ErrorCode::InvalidAudience`]);
//! 7. delegation depth ([`ErrorCode::DelegationDepthExceeded`]);
//! 8. required scopes, exact match, all missing listed ([`ErrorCode::InsufficientScope`]);
//! 9. only in [`verify_grant_token_with_status`]: the `status` claim's bit ([`ErrorCode::Revoked`]).

use crate::crypto::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::json::{RejectDuplicates, Text};

use crate::jwk::KeySet;
use crate::jws::{self, DEFAULT_MAX_TOKEN_BYTES};
use crate::status::{StatusListCache, StatusReference};
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// How the `iss` claim is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerPolicy {
    /// `iss` must equal this string exactly (PROTOCOL.md §4.1 rule 5).
    Expect(String),
    /// Explicit opt-out: any `iss` string is accepted (it must still be present).
    Any,
}

/// How the `aud` claim is checked (PROTOCOL.md §4.1 rule 9).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AudiencePolicy {
    /// No audience is expected: a token that carries `aud` is rejected (RFC 7519 §4.1.3). The default.
    #[default]
    RejectIfPresent,
    /// `aud` (string or array) must contain at least one of these values; a token without `aud` is rejected.
    Expect(Vec<String>),
    /// Explicit opt-out: `aud` is not checked (the upstream SDKs' behaviour when no audience is passed).
    Any,
}

/// Options of [`verify_grant_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Issuer check.
    pub issuer: IssuerPolicy,
    /// Audience check.
    pub audience: AudiencePolicy,
    /// Scopes that must all be granted (exact, case-sensitive).
    pub required_scopes: Vec<String>,
    /// Allowed clock skew in seconds for `exp`, `nbf` and `iat`.
    pub leeway: u64,
    /// The current time, Unix seconds. The core never reads the clock.
    pub now: u64,
    /// Reject tokens whose `delegationDepth` exceeds this.
    pub max_delegation_depth: Option<u32>,
    /// Accepted signature algorithms. Grant tokens are RS256 on the wire; others are opt-in.
    pub algorithms: Vec<Algorithm>,
    /// Maximum token length in bytes.
    pub max_token_bytes: usize,
}

impl VerifyOptions {
    /// Options with the wire defaults: RS256 only, no audience expected, leeway 0, 16 KiB limit.
    pub fn new(issuer: IssuerPolicy, now: u64) -> Self {
        VerifyOptions {
            issuer,
            audience: AudiencePolicy::RejectIfPresent,
            required_scopes: Vec::new(),
            leeway: 0,
            now,
            max_delegation_depth: None,
            algorithms: vec![Algorithm::RS256],
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// A verified grant token (PROTOCOL.md §4.3), serialized with the camelCase names every SDK uses.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedGrant {
    /// `jti`.
    pub token_id: String,
    /// `grnt`, or `jti` when absent.
    pub grant_id: String,
    /// `sub`.
    pub principal_id: String,
    /// `agt`.
    pub agent_did: String,
    /// `dev`.
    pub developer_id: String,
    /// `scp`, verbatim and in order.
    pub scopes: Vec<String>,
    /// `iat`, Unix seconds.
    pub issued_at: u64,
    /// `exp`, Unix seconds.
    pub expires_at: u64,
    /// `parentAgt` (delegated tokens).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parent_agent_did: Option<String>,
    /// `parentGrnt` (delegated tokens).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parent_grant_id: Option<String>,
    /// `delegationDepth` (delegated tokens).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub delegation_depth: Option<u32>,
    /// `aud` as a list (a string claim becomes a one-element list).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audience: Option<Vec<String>>,
    /// `iss`.
    pub issuer: String,
    /// `bdg`: remaining budget at refresh time (informational).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub budget_remaining: Option<f64>,
    /// `status.status_list`: where the grant's revocation bit lives (IMPROVEMENTS.md item 6). Checked by
    /// [`verify_grant_token_with_status`]; plain verification only reports it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status: Option<StatusReference>,
}

/// One claim value, typed loosely so that a wrong JSON type becomes [`ErrorCode::InvalidClaim`] rather
/// than a parse error.
enum Claim<'a> {
    Str(Cow<'a, str>),
    UInt(u64),
    Int(i64),
    Float(f64),
    StrArray(Vec<Cow<'a, str>>),
    Other(&'static str),
}

impl Claim<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Claim::Str(_) => "a string",
            Claim::UInt(_) | Claim::Int(_) => "an integer",
            Claim::Float(_) => "a non-integer number",
            Claim::StrArray(_) => "an array of strings",
            Claim::Other(name) => name,
        }
    }
}

struct ClaimVisitor;

impl<'de> Visitor<'de> for ClaimVisitor {
    type Value = Claim<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Claim<'de>, E> {
        Ok(Claim::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Claim<'de>, E> {
        Ok(Claim::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Claim<'de>, E> {
        Ok(Claim::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Claim<'de>, E> {
        Ok(Claim::UInt(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Claim<'de>, E> {
        Ok(Claim::Int(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Claim<'de>, E> {
        Ok(Claim::Float(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Claim<'de>, E> {
        Ok(Claim::Other("a boolean"))
    }
    fn visit_unit<E>(self) -> Result<Claim<'de>, E> {
        Ok(Claim::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Claim<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        let mut all_strings = true;
        while let Some(item) = seq.next_element::<Claim<'de>>()? {
            match item {
                Claim::Str(s) if all_strings => items.push(s),
                _ => all_strings = false,
            }
        }
        Ok(if all_strings {
            Claim::StrArray(items)
        } else {
            Claim::Other("an array with non-string items")
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Claim<'de>, A::Error> {
        crate::json::reject_duplicate_members(map)?;
        Ok(Claim::Other("an object"))
    }
}

impl<'de> Deserialize<'de> for Claim<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ClaimVisitor)
    }
}

/// Claims as found in the payload, before policy checks.
#[derive(Default)]
struct RawClaims<'a> {
    iss: Option<Claim<'a>>,
    sub: Option<Claim<'a>>,
    jti: Option<Claim<'a>>,
    agt: Option<Claim<'a>>,
    dev: Option<Claim<'a>>,
    scp: Option<Claim<'a>>,
    iat: Option<Claim<'a>>,
    exp: Option<Claim<'a>>,
    nbf: Option<Claim<'a>>,
    aud: Option<Claim<'a>>,
    grnt: Option<Claim<'a>>,
    parent_agt: Option<Claim<'a>>,
    parent_grnt: Option<Claim<'a>>,
    delegation_depth: Option<Claim<'a>>,
    bdg: Option<Claim<'a>>,
    /// IETF Token Status List reference (`status.status_list`), kept whole for the status module.
    status: Option<serde_json::Value>,
    /// The first member that marks another kind of JWT (`vc`, `purpose`, `_sd_alg`), if any.
    foreign_kind: Option<&'static str>,
}

struct RawClaimsVisitor;

impl<'de> Visitor<'de> for RawClaimsVisitor {
    type Value = RawClaims<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims<'de>, A::Error> {
        let mut c = RawClaims::default();
        let mut others: Vec<Text<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let slot = match key.as_str() {
                "iss" => &mut c.iss,
                "sub" => &mut c.sub,
                "jti" => &mut c.jti,
                "agt" => &mut c.agt,
                "dev" => &mut c.dev,
                "scp" => &mut c.scp,
                "iat" => &mut c.iat,
                "exp" => &mut c.exp,
                "nbf" => &mut c.nbf,
                "aud" => &mut c.aud,
                "grnt" => &mut c.grnt,
                "parentAgt" => &mut c.parent_agt,
                "parentGrnt" => &mut c.parent_grnt,
                "delegationDepth" => &mut c.delegation_depth,
                "bdg" => &mut c.bdg,
                "status" => {
                    if c.status.is_some() {
                        return Err(de::Error::custom("duplicate member name \"status\""));
                    }
                    c.status = Some(map.next_value_seed(crate::json::StrictValue)?);
                    continue;
                }
                other => {
                    if others.contains(&key) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate member name {other:?}"
                        )));
                    }
                    if c.foreign_kind.is_none() {
                        c.foreign_kind = match other {
                            "vc" => Some("vc"),
                            "purpose" => Some("purpose"),
                            "_sd_alg" => Some("_sd_alg"),
                            _ => None,
                        };
                    }
                    map.next_value_seed(RejectDuplicates)?;
                    others.push(key);
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!(
                    "duplicate member name {key:?}"
                )));
            }
            *slot = Some(map.next_value::<Claim<'de>>()?);
        }
        Ok(c)
    }
}

impl<'de> Deserialize<'de> for RawClaims<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RawClaimsVisitor)
    }
}

fn missing(name: &str) -> Error {
    Error::new(
        ErrorCode::MissingClaim,
        format!("grant token is missing required claim {name:?}"),
    )
}

fn wrong_type(name: &str, expected: &str, found: &Claim<'_>) -> Error {
    Error::new(
        ErrorCode::InvalidClaim,
        format!(
            "claim {name:?} must be {expected}, found {}",
            found.type_name()
        ),
    )
}

fn required_string<'a>(claim: Option<Claim<'a>>, name: &str) -> Result<Cow<'a, str>> {
    match claim {
        None => Err(missing(name)),
        Some(Claim::Str(s)) if !s.is_empty() => Ok(s),
        Some(Claim::Str(_)) => Err(Error::new(
            ErrorCode::InvalidClaim,
            format!("claim {name:?} is empty"),
        )),
        Some(other) => Err(wrong_type(name, "a non-empty string", &other)),
    }
}

fn optional_string<'a>(claim: Option<Claim<'a>>, name: &str) -> Result<Option<Cow<'a, str>>> {
    match claim {
        None => Ok(None),
        some => required_string(some, name).map(Some),
    }
}

fn integer(claim: Claim<'_>, name: &str) -> Result<u64> {
    match claim {
        Claim::UInt(v) => Ok(v),
        other => Err(wrong_type(name, "a non-negative integer", &other)),
    }
}

fn required_integer(claim: Option<Claim<'_>>, name: &str) -> Result<u64> {
    claim
        .ok_or_else(|| missing(name))
        .and_then(|c| integer(c, name))
}

/// Header `typ` values a grant token may carry: none (upstream), `JWT`, or the RFC 9068 access-token type
/// that Python SDK ≥ 0.7 prefers. Media types compare case-insensitively, `application/` optional
/// (RFC 7515 §4.1.9).
fn grant_typ_allowed(typ: &str) -> bool {
    let t = typ.strip_prefix("application/").unwrap_or(typ);
    t.eq_ignore_ascii_case("jwt") || t.eq_ignore_ascii_case("at+jwt")
}

/// Verifies a grant token against `keys` under `options` (PROTOCOL.md §4.1).
pub fn verify_grant_token(
    keys: &KeySet,
    token: &str,
    options: &VerifyOptions,
) -> Result<VerifiedGrant> {
    let parts = jws::split(token, options.max_token_bytes)?;
    let header = jws::decode_header(parts.header, &options.algorithms)?;
    let key = keys.select(header.alg, header.kid.as_deref())?;
    jws::verify_signature(key, header.alg, &parts)?;
    check_after_signature(&parts, &header, options)
}

/// What a caller must check itself when the signature is verified outside the core (see
/// [`begin_external_signature_check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSignatureCheck {
    /// The header's algorithm (already allowed by the options).
    pub alg: Algorithm,
    /// RFC 7638 thumbprint of the one key of the set that must verify the signature.
    pub key_thumbprint: String,
    /// The ASCII `header.payload` the signature covers.
    pub signing_input: String,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
}

/// First half of a verification whose signature is checked elsewhere — for runtimes where a platform API
/// verifies RSA faster than this library can (WebCrypto in browsers and edge functions, where pure-Rust RSA
/// in wasm is several times slower). Runs every check that precedes the signature (size, structure, `alg`
/// allow-list, `crit`, key selection) exactly as [`verify_grant_token`] does, and returns what the caller
/// must verify. The caller then passes its verdict to [`complete_external_signature_check`], which runs
/// every later check; the error codes and their order are the same as [`verify_grant_token`]'s.
pub fn begin_external_signature_check(
    keys: &KeySet,
    token: &str,
    options: &VerifyOptions,
) -> Result<ExternalSignatureCheck> {
    let parts = jws::split(token, options.max_token_bytes)?;
    let header = jws::decode_header(parts.header, &options.algorithms)?;
    let key_thumbprint = keys
        .select_thumbprint(header.alg, header.kid.as_deref())?
        .to_owned();
    let signature = crate::b64::decode(parts.signature.as_bytes())
        .ok_or_else(|| Error::malformed("JWS signature is not strict base64url"))?;
    Ok(ExternalSignatureCheck {
        alg: header.alg,
        key_thumbprint,
        signing_input: parts.signing_input.to_owned(),
        signature,
    })
}

/// Second half of [`begin_external_signature_check`]: `signature_valid` is the caller's verdict on the
/// signature it was handed for this same token and key set. `false` is [`ErrorCode::InvalidSignature`];
/// `true` continues with the token-kind, claim, issuer, time, audience, depth and scope checks.
pub fn complete_external_signature_check(
    keys: &KeySet,
    token: &str,
    options: &VerifyOptions,
    signature_valid: bool,
) -> Result<VerifiedGrant> {
    let parts = jws::split(token, options.max_token_bytes)?;
    let header = jws::decode_header(parts.header, &options.algorithms)?;
    keys.select(header.alg, header.kid.as_deref())?;
    if !signature_valid {
        return Err(Error::new(
            ErrorCode::InvalidSignature,
            "signature verification failed",
        ));
    }
    check_after_signature(&parts, &header, options)
}

fn check_after_signature(
    parts: &jws::CompactParts<'_>,
    header: &jws::Header,
    options: &VerifyOptions,
) -> Result<VerifiedGrant> {
    if let Some(typ) = header.typ.as_deref().filter(|t| !grant_typ_allowed(t)) {
        return Err(Error::new(
            ErrorCode::WrongTokenType,
            format!("token type {typ:?} is not a grant token"),
        ));
    }
    let payload = jws::decode_payload(parts.payload)?;
    let raw: RawClaims<'_> = serde_json::from_slice(&payload)
        .map_err(|e| Error::malformed(format!("JWS payload is not a valid JSON object: {e}")))?;
    check_claims(raw, options)
}

fn check_claims(raw: RawClaims<'_>, options: &VerifyOptions) -> Result<VerifiedGrant> {
    if let Some(member) = raw.foreign_kind {
        return Err(Error::new(
            ErrorCode::WrongTokenType,
            format!("payload has {member:?}: this is not a grant token"),
        ));
    }
    let iss = required_string(raw.iss, "iss")?;
    let sub = required_string(raw.sub, "sub")?;
    let jti = required_string(raw.jti, "jti")?;
    let agt = required_string(raw.agt, "agt")?;
    let dev = required_string(raw.dev, "dev")?;
    let scopes = match raw.scp {
        None => return Err(missing("scp")),
        Some(Claim::StrArray(items)) => items,
        Some(other) => return Err(wrong_type("scp", "an array of strings", &other)),
    };
    let iat = required_integer(raw.iat, "iat")?;
    let exp = required_integer(raw.exp, "exp")?;
    let nbf = raw.nbf.map(|c| integer(c, "nbf")).transpose()?;
    let audience = match raw.aud {
        None => None,
        Some(Claim::Str(s)) => Some(vec![s.into_owned()]),
        Some(Claim::StrArray(items)) if !items.is_empty() => {
            Some(items.into_iter().map(Cow::into_owned).collect())
        }
        Some(other) => {
            return Err(wrong_type(
                "aud",
                "a string or a non-empty array of strings",
                &other,
            ));
        }
    };
    let grnt = optional_string(raw.grnt, "grnt")?;
    let parent_agt = optional_string(raw.parent_agt, "parentAgt")?;
    let parent_grnt = optional_string(raw.parent_grnt, "parentGrnt")?;
    let delegation_depth = match raw.delegation_depth {
        None => None,
        Some(Claim::UInt(d)) if d >= 1 => Some(u32::try_from(d).map_err(|_| {
            Error::new(
                ErrorCode::InvalidClaim,
                "claim \"delegationDepth\" is out of range",
            )
        })?),
        Some(other) => {
            return Err(wrong_type(
                "delegationDepth",
                "an integer of at least 1",
                &other,
            ));
        }
    };
    // Delegated tokens always carry all three (PROTOCOL.md §3.2, §3.4); a partial set is forged or broken.
    let delegation_fields = [
        parent_agt.is_some(),
        parent_grnt.is_some(),
        delegation_depth.is_some(),
    ];
    if delegation_fields.contains(&true) && delegation_fields.contains(&false) {
        return Err(Error::new(
            ErrorCode::InvalidClaim,
            "claims \"parentAgt\", \"parentGrnt\" and \"delegationDepth\" must appear together",
        ));
    }
    let budget_remaining = match raw.bdg {
        None => None,
        Some(Claim::UInt(v)) => Some(v as f64),
        Some(Claim::Int(v)) => Some(v as f64),
        Some(Claim::Float(v)) if v.is_finite() => Some(v),
        Some(other) => return Err(wrong_type("bdg", "a number", &other)),
    };
    let status = match raw.status {
        None => None,
        Some(value) => {
            let mut wrapper = serde_json::Map::new();
            wrapper.insert("status".to_owned(), value);
            crate::status::parse_status_claim(&serde_json::Value::Object(wrapper))?
        }
    };

    if let IssuerPolicy::Expect(expected) = &options.issuer
        && iss != expected.as_str()
    {
        return Err(Error::new(
            ErrorCode::InvalidIssuer,
            format!("issuer {iss:?} is not the expected {expected:?}"),
        ));
    }

    let now = options.now;
    let leeway = options.leeway;
    if now >= exp.saturating_add(leeway) {
        return Err(Error::new(
            ErrorCode::Expired,
            format!("token expired at {exp} (now {now}, leeway {leeway}s)"),
        ));
    }
    if let Some(nbf) = nbf
        && now.saturating_add(leeway) < nbf
    {
        return Err(Error::new(
            ErrorCode::NotYetValid,
            format!("token is not valid before {nbf} (now {now})"),
        ));
    }
    if iat > now.saturating_add(leeway) {
        return Err(Error::new(
            ErrorCode::IssuedInFuture,
            format!("token issued in the future at {iat} (now {now})"),
        ));
    }

    match (&options.audience, &audience) {
        (AudiencePolicy::Any, _) | (AudiencePolicy::RejectIfPresent, None) => {}
        (AudiencePolicy::RejectIfPresent, Some(aud)) => {
            return Err(Error::new(
                ErrorCode::InvalidAudience,
                format!("token is restricted to audience {aud:?} but no audience is expected"),
            ));
        }
        (AudiencePolicy::Expect(expected), None) => {
            return Err(Error::new(
                ErrorCode::InvalidAudience,
                format!("token has no audience; expected one of {expected:?}"),
            ));
        }
        (AudiencePolicy::Expect(expected), Some(aud)) => {
            if !aud.iter().any(|a| expected.contains(a)) {
                return Err(Error::new(
                    ErrorCode::InvalidAudience,
                    format!("token audience {aud:?} does not include any of {expected:?}"),
                ));
            }
        }
    }

    if let (Some(max), Some(depth)) = (options.max_delegation_depth, delegation_depth)
        && depth > max
    {
        return Err(Error::new(
            ErrorCode::DelegationDepthExceeded,
            format!("delegation depth {depth} exceeds the maximum {max}"),
        ));
    }

    let missing_scopes = crate::scope::missing_exact(&scopes, &options.required_scopes);
    if !missing_scopes.is_empty() {
        return Err(Error::new(
            ErrorCode::InsufficientScope,
            format!(
                "grant token is missing required scopes: {}",
                missing_scopes.join(", ")
            ),
        ));
    }

    let token_id = jti.into_owned();
    Ok(VerifiedGrant {
        grant_id: grnt.map_or_else(|| token_id.clone(), Cow::into_owned),
        token_id,
        principal_id: sub.into_owned(),
        agent_did: agt.into_owned(),
        developer_id: dev.into_owned(),
        scopes: scopes.into_iter().map(Cow::into_owned).collect(),
        issued_at: iat,
        expires_at: exp,
        parent_agent_did: parent_agt.map(Cow::into_owned),
        parent_grant_id: parent_grnt.map(Cow::into_owned),
        delegation_depth,
        audience,
        issuer: iss.into_owned(),
        budget_remaining,
        status,
    })
}

/// Verifies a grant token and, when it carries a `status` claim, checks its bit in the status list the
/// caller fetched into `cache` (IMPROVEMENTS.md item 6): a set bit is [`ErrorCode::Revoked`]; a list that
/// is missing or older than the cache's maximum age is [`ErrorCode::StatusUnavailable`] (fail closed).
/// Tokens without a `status` claim (every upstream token) verify as with [`verify_grant_token`].
pub fn verify_grant_token_with_status(
    keys: &KeySet,
    token: &str,
    options: &VerifyOptions,
    cache: &StatusListCache,
) -> Result<VerifiedGrant> {
    let grant = verify_grant_token(keys, token, options)?;
    if let Some(reference) = &grant.status {
        let now = i64::try_from(options.now).unwrap_or(i64::MAX);
        crate::status::check_not_revoked(reference, cache, now)?;
    }
    Ok(grant)
}

/// JWKS URL and expected issuer derived from SDK-style inputs (PROTOCOL.md §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerResolution {
    /// Where to fetch the JWKS.
    pub jwks_uri: String,
    /// The issuer tokens must carry.
    pub issuer: String,
}

const WELL_KNOWN_JWKS: &str = "/.well-known/jwks.json";
const PRODUCTION_JWKS: &str = "https://api.grantex.dev/.well-known/jwks.json";
const PRODUCTION_ISSUER: &str = "https://grantex.dev";

/// Derives the JWKS URL and issuer exactly as the upstream SDKs do (PROTOCOL.md §4.2):
///
/// 1. `issuer_did` of the form `did:web:<rest>` → `https://<rest with ':' → '/'>` is the issuer (unless
///    `issuer` is given) and `<that>/.well-known/jwks.json` the JWKS, even when `jwks_uri` is given (as the
///    Python SDK does). `%3A` is deliberately not decoded, matching the SDKs; other DID methods are ignored.
/// 2. Otherwise the issuer, if not given, comes from `jwks_uri`: the production JWKS maps to
///    `https://grantex.dev`; else the `/.well-known/jwks.json` suffix (or a trailing `/`) is removed.
/// 3. With only `issuer`, the JWKS is `<issuer>/.well-known/jwks.json`.
pub fn resolve_issuer(
    jwks_uri: Option<&str>,
    issuer: Option<&str>,
    issuer_did: Option<&str>,
) -> Result<IssuerResolution> {
    if let Some(rest) = issuer_did.and_then(|did| did.strip_prefix("did:web:")) {
        if rest.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidOptions,
                "issuerDid \"did:web:\" names no host",
            ));
        }
        // The SDKs always fetch the DID's JWKS, even when a jwksUri is passed too.
        let base = format!("https://{}", rest.replace(':', "/"));
        return Ok(IssuerResolution {
            jwks_uri: format!("{base}{WELL_KNOWN_JWKS}"),
            issuer: issuer.map_or(base, str::to_owned),
        });
    }
    match (jwks_uri, issuer) {
        (Some(jwks), Some(iss)) => Ok(IssuerResolution {
            jwks_uri: jwks.to_owned(),
            issuer: iss.to_owned(),
        }),
        (Some(jwks), None) => {
            let trimmed = jwks.strip_suffix('/').unwrap_or(jwks);
            let derived = if trimmed == PRODUCTION_JWKS {
                PRODUCTION_ISSUER.to_owned()
            } else if let Some(base) = trimmed.strip_suffix(WELL_KNOWN_JWKS) {
                base.to_owned()
            } else {
                trimmed.to_owned()
            };
            Ok(IssuerResolution {
                jwks_uri: jwks.to_owned(),
                issuer: derived,
            })
        }
        (None, Some(iss)) => {
            let base = iss.strip_suffix('/').unwrap_or(iss);
            Ok(IssuerResolution {
                jwks_uri: format!("{base}{WELL_KNOWN_JWKS}"),
                issuer: iss.to_owned(),
            })
        }
        (None, None) => Err(Error::new(
            ErrorCode::InvalidOptions,
            "one of jwksUri, issuer or issuerDid is needed to know the issuer",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn issuer_resolution_matches_the_sdks() {
        let r =
            |j: Option<&str>, i: Option<&str>, d: Option<&str>| resolve_issuer(j, i, d).unwrap();
        assert_eq!(
            r(
                Some("https://api.grantex.dev/.well-known/jwks.json/"),
                None,
                None
            )
            .issuer,
            "https://grantex.dev"
        );
        assert_eq!(
            r(
                Some("http://localhost:3001/.well-known/jwks.json"),
                None,
                None
            )
            .issuer,
            "http://localhost:3001"
        );
        assert_eq!(
            r(Some("https://x.test/keys/"), None, None).issuer,
            "https://x.test/keys"
        );
        let did = r(None, None, Some("did:web:example.com:tenants:a"));
        assert_eq!(did.issuer, "https://example.com/tenants/a");
        assert_eq!(
            did.jwks_uri,
            "https://example.com/tenants/a/.well-known/jwks.json"
        );
        assert_eq!(
            r(None, None, Some("did:web:localhost%3A3001")).issuer,
            "https://localhost%3A3001"
        );
        let both = r(
            Some("https://other.test/jwks"),
            None,
            Some("did:web:grantex.dev"),
        );
        assert_eq!(both.jwks_uri, "https://grantex.dev/.well-known/jwks.json");
        assert_eq!(
            r(None, Some("https://i.test/"), None).jwks_uri,
            "https://i.test/.well-known/jwks.json"
        );
        assert_eq!(
            resolve_issuer(None, None, Some("did:web:"))
                .unwrap_err()
                .code,
            ErrorCode::InvalidOptions
        );
        assert_eq!(
            resolve_issuer(None, None, Some("did:key:z6Mk"))
                .unwrap_err()
                .code,
            ErrorCode::InvalidOptions
        );
    }

    #[test]
    fn typ_rules() {
        for ok in [
            "JWT",
            "jwt",
            "at+jwt",
            "application/at+jwt",
            "application/JWT",
        ] {
            assert!(grant_typ_allowed(ok), "{ok}");
        }
        for bad in [
            "vc+sd-jwt",
            "dc+sd-jwt",
            "kb+jwt",
            "statuslist+jwt",
            "",
            "JOSE",
        ] {
            assert!(!grant_typ_allowed(bad), "{bad}");
        }
    }
}
