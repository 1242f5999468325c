//! SD-JWT (RFC 9901): presentation parsing and verification, holder presentation with key binding, issuance.
//!
//! * [`verify_presentation`] — the verifier (below);
//! * [`present()`], [`present_with_key_binding`] — the holder: disclosures chosen by [`ClaimPath`], a KB-JWT
//!   signed through a [`JwsSigner`] ([`NativeSigner`] on native targets);
//! * [`issue()`], [`serialize`] — the issuer: salts, decoys and shuffled digests; the caller signs the payload.
//!
//! Two credential shapes are verified by the same RFC 9901 processing:
//! * `typ: dc+sd-jwt` — SD-JWT VC: claims at the top level, `vct` required;
//! * `typ: vc+sd-jwt` — the upstream Grantex profile (PROTOCOL.md §10.9): a `vc` wrapper whose
//!   `credentialSubject` carries the `_sd` digests; its processed `credentialSubject` is reported as
//!   [`VerifiedSdJwt::disclosed_claims`], upstream's `disclosedClaims`.
//!
//! Where upstream accepted duplicated disclosures, disclosures overwriting visible claims, any `typ`, any
//! `iss`, and could never verify holder binding (IMPROVEMENTS.md item 19), this module follows RFC 9901.
//!
//! Check order of [`verify_presentation`] (fixed: the first failure decides the code every binding reports):
//! 1. size ([`ErrorCode::TokenTooLarge`]), then the `~` structure ([`parse_presentation`]): at least one
//!    `~`, no empty disclosure except upstream's `<jwt>~~` ([`ErrorCode::MalformedToken`],
//!    [`ErrorCode::InvalidDisclosure`]), at most [`SdJwtVerifyOptions::max_disclosures`] disclosures
//!    ([`ErrorCode::TokenTooLarge`]);
//! 2. the issuer JWT as a JWS: structure, `alg` allow-list, `crit`, key selection, signature ([`crate::jws`]);
//! 3. header `typ` among [`SdJwtVerifyOptions::types`] ([`ErrorCode::WrongTokenType`]);
//! 4. payload a JSON object without duplicate members ([`ErrorCode::MalformedToken`]); `_sd_alg` absent
//!    (SHA-256) or one of `sha-256`, `sha-384`, `sha-512` ([`ErrorCode::InvalidCredential`]);
//! 5. disclosures: each decoded, none twice, each digest referenced exactly once, no overwrite
//!    ([`ErrorCode::InvalidDisclosure`], [`ErrorCode::DuplicateDisclosure`]; see [`disclosure`]);
//! 6. profile shape on the processed payload: `vc.credentialSubject` object for `vc+sd-jwt`, `vct` string
//!    for `dc+sd-jwt` ([`ErrorCode::InvalidCredential`]);
//! 7. `iss` present and a string ([`ErrorCode::MissingClaim`], [`ErrorCode::InvalidClaim`]), then the
//!    issuer policy ([`ErrorCode::InvalidIssuer`]);
//! 8. time on the processed payload: `exp` (required unless [`SdJwtVerifyOptions::require_exp`] is off),
//!    `nbf`, `iat` ([`ErrorCode::Expired`], [`ErrorCode::NotYetValid`], [`ErrorCode::IssuedInFuture`]);
//! 9. key binding: a required KB-JWT must be present ([`ErrorCode::KeyBindingRequired`]); a present one
//!    is always checked — `typ: kb+jwt`, signature by `cnf.jwk`, `sd_hash`, `iat` window, and `nonce`/`aud`
//!    when required ([`ErrorCode::InvalidKeyBinding`] for all of them).

pub mod disclosure;
pub mod issue;
pub mod present;
#[cfg(not(target_arch = "wasm32"))]
pub mod signer;

pub use disclosure::{Disclosure, HashAlg};
pub use issue::{IssueOptions, Issued, issue, serialize};
pub use present::{ClaimPath, JwsSigner, present, present_with_key_binding};
#[cfg(not(target_arch = "wasm32"))]
pub use signer::NativeSigner;

use crate::crypto::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::grant::IssuerPolicy;
use crate::jwk::{Jwk, KeySet};
use crate::jws::{self, Header, JwsOptions};
use serde_json::{Map, Value};

/// Default size limit of a whole presentation, in bytes.
pub const DEFAULT_MAX_PRESENTATION_BYTES: usize = 64 * 1024;
/// Default limit on the number of disclosures in one presentation.
pub const DEFAULT_MAX_DISCLOSURES: usize = 256;
/// Default age limit of a key-binding JWT (`now - iat`), in seconds.
pub const DEFAULT_KB_MAX_AGE: u64 = 300;
/// `typ` of an SD-JWT VC issuer JWT.
pub const TYP_SD_JWT_VC: &str = "dc+sd-jwt";
/// `typ` of the upstream Grantex SD-JWT issuer JWT (`vc` wrapper).
pub const TYP_GRANTEX_VC: &str = "vc+sd-jwt";
/// `typ` of a key-binding JWT.
pub const TYP_KB_JWT: &str = "kb+jwt";

/// Holder-binding requirement of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyBindingPolicy {
    /// No binding asked for. A KB-JWT that is present anyway is still verified except for `nonce` and
    /// `aud` (which the verifier did not give): an unverifiable trailing part is never ignored.
    #[default]
    NotRequired,
    /// A KB-JWT must be present, signed by `cnf.jwk`, and carry exactly this `nonce` and `aud`.
    Required {
        /// The verifier's nonce.
        nonce: String,
        /// The verifier's identifier, compared with `aud` exactly.
        audience: String,
    },
}

/// Options of [`verify_presentation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdJwtVerifyOptions {
    /// Issuer check on `iss`.
    pub issuer: IssuerPolicy,
    /// The current time, Unix seconds.
    pub now: u64,
    /// Allowed clock skew in seconds for `exp`, `nbf`, `iat` and the KB-JWT `iat`.
    pub leeway: u64,
    /// Signature algorithms accepted for the issuer JWT (default RS256, the Grantex issuer key).
    pub algorithms: Vec<Algorithm>,
    /// Accepted issuer-JWT `typ` values (compared case-insensitively, `application/` optional).
    /// Default: [`TYP_SD_JWT_VC`] and [`TYP_GRANTEX_VC`]. Other values get plain RFC 9901 processing.
    pub types: Vec<String>,
    /// Reject credentials without `exp` (default true: Grantex credentials always expire with their grant).
    pub require_exp: bool,
    /// Holder binding.
    pub key_binding: KeyBindingPolicy,
    /// Signature algorithms accepted for the KB-JWT.
    pub kb_algorithms: Vec<Algorithm>,
    /// Largest accepted `now - iat` of the KB-JWT, in seconds.
    pub kb_max_age: u64,
    /// Size limit of the whole presentation, in bytes.
    pub max_presentation_bytes: usize,
    /// Limit on the number of disclosures.
    pub max_disclosures: usize,
}

impl SdJwtVerifyOptions {
    /// Defaults: RS256 issuer JWT, both `typ`s, `exp` required, no key binding, KB algorithms ES256, EdDSA,
    /// RS256, PS256, KB age 300 s, leeway 0, 64 KiB, 256 disclosures.
    pub fn new(issuer: IssuerPolicy, now: u64) -> Self {
        SdJwtVerifyOptions {
            issuer,
            now,
            leeway: 0,
            algorithms: vec![Algorithm::RS256],
            types: vec![TYP_SD_JWT_VC.to_owned(), TYP_GRANTEX_VC.to_owned()],
            require_exp: true,
            key_binding: KeyBindingPolicy::NotRequired,
            kb_algorithms: vec![
                Algorithm::ES256,
                Algorithm::EdDSA,
                Algorithm::RS256,
                Algorithm::PS256,
            ],
            kb_max_age: DEFAULT_KB_MAX_AGE,
            max_presentation_bytes: DEFAULT_MAX_PRESENTATION_BYTES,
            max_disclosures: DEFAULT_MAX_DISCLOSURES,
        }
    }
}

/// The claims of a verified key-binding JWT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBindingClaims {
    /// `nonce`.
    pub nonce: String,
    /// `aud`.
    pub audience: String,
    /// `iat`, Unix seconds.
    pub issued_at: u64,
}

/// A verified SD-JWT presentation.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedSdJwt {
    /// The checked issuer-JWT header.
    pub header: Header,
    /// The processed payload: disclosed claims in place, `_sd`, `_sd_alg` and undisclosed array elements
    /// removed.
    pub claims: Value,
    /// For the Grantex `vc+sd-jwt` profile, the processed `vc.credentialSubject` (upstream's
    /// `disclosedClaims`); `None` for other profiles.
    pub disclosed_claims: Option<Value>,
    /// The digest algorithm of the credential.
    pub hash_alg: HashAlg,
    /// True when a KB-JWT was present and verified (with `nonce` and `aud` checked if the policy required it).
    pub key_bound: bool,
    /// The verified KB-JWT claims, when one was present.
    pub key_binding: Option<KeyBindingClaims>,
}

/// The parts of a presentation `<issuer-jwt>~<d1>~…~<dn>~[<kb-jwt>]`, not yet verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    /// The issuer-signed JWT.
    pub issuer_jwt: &'a str,
    /// The disclosures, in presentation order (upstream's single empty segment `<jwt>~~` gives none).
    disclosures: &'a str,
    /// The KB-JWT, if any.
    pub key_binding_jwt: Option<&'a str>,
    /// Everything up to and including the last `~`: the input of the KB-JWT `sd_hash`.
    pub sd_hash_input: &'a str,
}

impl<'a> Parts<'a> {
    /// The disclosures, in presentation order.
    pub fn disclosures(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let list = self.disclosures;
        list.split('~').filter(move |_| !list.is_empty())
    }
}

/// Splits a presentation after the size check.
///
/// An empty disclosure segment is [`ErrorCode::InvalidDisclosure`], except the single one of upstream's
/// `<jwt>~~` serialization, accepted for compatibility (PROTOCOL.md §10.9) and read as no disclosures.
pub fn parse_presentation(
    presentation: &str,
    max_bytes: usize,
    max_disclosures: usize,
) -> Result<Parts<'_>> {
    if presentation.len() > max_bytes {
        return Err(Error::new(
            ErrorCode::TokenTooLarge,
            format!(
                "presentation is {} bytes; the limit is {max_bytes}",
                presentation.len()
            ),
        ));
    }
    let (Some(first), Some(last)) = (presentation.find('~'), presentation.rfind('~')) else {
        return Err(Error::malformed(
            "an SD-JWT presentation has at least one '~'",
        ));
    };
    let (Some(issuer_jwt), Some(sd_hash_input), Some(kb)) = (
        presentation.get(..first),
        presentation.get(..=last),
        presentation.get(last + 1..),
    ) else {
        return Err(Error::new(ErrorCode::Internal, "'~' position"));
    };
    let middle = if first == last {
        ""
    } else {
        presentation.get(first + 1..last).unwrap_or_default()
    };
    let mut count = 0usize;
    if !middle.is_empty() {
        for segment in middle.split('~') {
            if segment.is_empty() {
                return Err(Error::new(
                    ErrorCode::InvalidDisclosure,
                    "empty disclosure segment",
                ));
            }
            count += 1;
        }
    }
    if count > max_disclosures {
        return Err(Error::new(
            ErrorCode::TokenTooLarge,
            format!("presentation has {count} disclosures; the limit is {max_disclosures}"),
        ));
    }
    Ok(Parts {
        issuer_jwt,
        disclosures: middle,
        key_binding_jwt: (!kb.is_empty()).then_some(kb),
        sd_hash_input,
    })
}

/// Media types compare case-insensitively, with `application/` optional (RFC 7515 §4.1.9).
fn media_type_eq(a: &str, b: &str) -> bool {
    fn strip(t: &str) -> &str {
        match t.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
                t.get(12..).unwrap_or_default()
            }
            _ => t,
        }
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

fn credential_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCredential, message)
}

/// Reads `_sd_alg` (removing it): absent means SHA-256 (RFC 9901 §4.1.1).
fn take_sd_alg(payload: &mut Map<String, Value>) -> Result<HashAlg> {
    match payload.remove("_sd_alg") {
        None => Ok(HashAlg::Sha256),
        Some(Value::String(name)) => HashAlg::from_name(&name)
            .ok_or_else(|| credential_error(format!("unsupported \"_sd_alg\" {name:?}"))),
        Some(_) => Err(credential_error("\"_sd_alg\" must be a string")),
    }
}

/// An optional NumericDate claim as a non-negative integer.
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidClaim,
                format!("claim {name:?} must be a non-negative integer"),
            )
        }),
    }
}

fn check_time(claims: &Map<String, Value>, options: &SdJwtVerifyOptions) -> Result<()> {
    let now = options.now;
    let leeway = options.leeway;
    match time_claim(claims, "exp")? {
        Some(exp) if now >= exp.saturating_add(leeway) => {
            return Err(Error::new(
                ErrorCode::Expired,
                format!("credential expired at {exp} (now {now}, leeway {leeway}s)"),
            ));
        }
        None if options.require_exp => {
            return Err(Error::new(
                ErrorCode::MissingClaim,
                "credential has no \"exp\"",
            ));
        }
        _ => {}
    }
    if let Some(nbf) = time_claim(claims, "nbf")?
        && now.saturating_add(leeway) < nbf
    {
        return Err(Error::new(
            ErrorCode::NotYetValid,
            format!("credential is not valid before {nbf} (now {now})"),
        ));
    }
    if let Some(iat) = time_claim(claims, "iat")?
        && iat > now.saturating_add(leeway)
    {
        return Err(Error::new(
            ErrorCode::IssuedInFuture,
            format!("credential issued in the future at {iat} (now {now})"),
        ));
    }
    Ok(())
}

fn check_issuer(claims: &Map<String, Value>, policy: &IssuerPolicy) -> Result<()> {
    let iss = match claims.get("iss") {
        None => {
            return Err(Error::new(
                ErrorCode::MissingClaim,
                "credential has no \"iss\"",
            ));
        }
        Some(Value::String(iss)) => iss,
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidClaim,
                "claim \"iss\" must be a string",
            ));
        }
    };
    if let IssuerPolicy::Expect(expected) = policy
        && iss != expected
    {
        return Err(Error::new(
            ErrorCode::InvalidIssuer,
            format!("issuer {iss:?} is not the expected {expected:?}"),
        ));
    }
    Ok(())
}

/// Verifies a presentation against the issuer `keys` under `options` (see the module documentation for
/// the check order).
pub fn verify_presentation(
    keys: &KeySet,
    presentation: &str,
    options: &SdJwtVerifyOptions,
) -> Result<VerifiedSdJwt> {
    let parts = parse_presentation(
        presentation,
        options.max_presentation_bytes,
        options.max_disclosures,
    )?;

    let jwt = jws::split(parts.issuer_jwt, options.max_presentation_bytes)?;
    let header = jws::decode_header(jwt.header, &options.algorithms)?;
    let key = keys.select(header.alg, header.kid.as_deref())?;
    jws::verify_signature(key, header.alg, &jwt)?;

    let typ = header.typ.as_deref().unwrap_or_default();
    let Some(profile) = options.types.iter().find(|t| media_type_eq(t, typ)) else {
        return Err(Error::new(
            ErrorCode::WrongTokenType,
            format!(
                "token type {typ:?} is not an accepted SD-JWT type ({})",
                options.types.join(", ")
            ),
        ));
    };
    let grantex_profile = media_type_eq(profile, TYP_GRANTEX_VC);
    let vc_profile = media_type_eq(profile, TYP_SD_JWT_VC);

    let payload = jws::decode_payload(jwt.payload)?;
    let mut payload = crate::json::parse_object_strict(&payload)
        .map_err(|e| Error::malformed(format!("JWS payload: {e}")))?;
    let hash_alg = take_sd_alg(&mut payload)?;

    let disclosures = parts
        .disclosures()
        .map(|d| Disclosure::parse(d, hash_alg))
        .collect::<Result<Vec<_>>>()?;
    let claims = disclosure::process(payload, disclosures)?;

    let disclosed_claims = if grantex_profile {
        match claims.get("vc").and_then(|vc| vc.get("credentialSubject")) {
            Some(subject @ Value::Object(_)) => Some(subject.clone()),
            _ => {
                return Err(credential_error(
                    "a vc+sd-jwt credential needs a \"vc.credentialSubject\" object",
                ));
            }
        }
    } else {
        None
    };
    if vc_profile && !matches!(claims.get("vct"), Some(Value::String(_))) {
        return Err(credential_error(
            "a dc+sd-jwt credential needs a \"vct\" string",
        ));
    }

    check_issuer(&claims, &options.issuer)?;
    check_time(&claims, options)?;

    let key_binding = match (parts.key_binding_jwt, &options.key_binding) {
        (None, KeyBindingPolicy::Required { .. }) => {
            return Err(Error::new(
                ErrorCode::KeyBindingRequired,
                "key binding is required but the presentation has no key-binding JWT",
            ));
        }
        (None, KeyBindingPolicy::NotRequired) => None,
        (Some(kb), policy) => Some(
            verify_key_binding(kb, &claims, &parts, hash_alg, keys, policy, options).map_err(
                |e| match e.code {
                    ErrorCode::InvalidKeyBinding => e,
                    code => Error::new(
                        ErrorCode::InvalidKeyBinding,
                        format!("key-binding JWT: {code}: {}", e.message),
                    ),
                },
            )?,
        ),
    };

    Ok(VerifiedSdJwt {
        header,
        claims: Value::Object(claims),
        disclosed_claims,
        hash_alg,
        key_bound: key_binding.is_some(),
        key_binding,
    })
}

fn kb_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidKeyBinding, message)
}

fn kb_string<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    match claims.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(kb_error(format!(
            "key-binding JWT claim {name:?} must be a string"
        ))),
        None => Err(kb_error(format!("key-binding JWT has no {name:?}"))),
    }
}

fn verify_key_binding(
    kb: &str,
    claims: &Map<String, Value>,
    parts: &Parts<'_>,
    hash_alg: HashAlg,
    keys: &KeySet,
    policy: &KeyBindingPolicy,
    options: &SdJwtVerifyOptions,
) -> Result<KeyBindingClaims> {
    let Some(Value::Object(jwk)) = claims.get("cnf").and_then(|cnf| cnf.get("jwk")) else {
        return Err(kb_error(
            "the credential has no \"cnf.jwk\" holder key, so no key-binding JWT can verify",
        ));
    };
    let holder = Jwk::from_map(jwk)?.verifying_key(keys.backend())?;
    let verified = jws::verify_with_key(
        &holder,
        kb,
        &JwsOptions {
            algorithms: options.kb_algorithms.clone(),
            max_token_bytes: options.max_presentation_bytes,
        },
    )?;
    if !verified
        .header
        .typ
        .as_deref()
        .is_some_and(|t| media_type_eq(t, TYP_KB_JWT))
    {
        return Err(kb_error(format!(
            "key-binding JWT must have typ {TYP_KB_JWT:?}"
        )));
    }
    let payload = crate::json::parse_object_strict(&verified.payload)
        .map_err(|e| kb_error(format!("key-binding JWT payload: {e}")))?;

    let sd_hash = kb_string(&payload, "sd_hash")?;
    if sd_hash != hash_alg.digest_b64(parts.sd_hash_input.as_bytes()) {
        return Err(kb_error(
            "key-binding JWT \"sd_hash\" does not match the presented SD-JWT",
        ));
    }
    let nonce = kb_string(&payload, "nonce")?;
    let audience = kb_string(&payload, "aud")?;
    if let KeyBindingPolicy::Required {
        nonce: expected_nonce,
        audience: expected_aud,
    } = policy
    {
        if nonce != expected_nonce {
            return Err(kb_error(
                "key-binding JWT \"nonce\" is not the expected one",
            ));
        }
        if audience != expected_aud {
            return Err(kb_error(format!(
                "key-binding JWT audience {audience:?} is not {expected_aud:?}"
            )));
        }
    }
    let issued_at = payload
        .get("iat")
        .ok_or_else(|| kb_error("key-binding JWT has no \"iat\""))?
        .as_u64()
        .ok_or_else(|| kb_error("key-binding JWT \"iat\" must be a non-negative integer"))?;
    let now = options.now;
    if issued_at > now.saturating_add(options.leeway) {
        return Err(kb_error(format!(
            "key-binding JWT issued in the future at {issued_at} (now {now})"
        )));
    }
    if now
        > issued_at
            .saturating_add(options.kb_max_age)
            .saturating_add(options.leeway)
    {
        return Err(kb_error(format!(
            "key-binding JWT issued at {issued_at} is older than {}s (now {now})",
            options.kb_max_age
        )));
    }
    Ok(KeyBindingClaims {
        nonce: nonce.to_owned(),
        audience: audience.to_owned(),
        issued_at,
    })
}

#[cfg(test)]
mod tests;
