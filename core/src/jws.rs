//! Compact JWS (RFC 7515) parsing and verification, strict by default.
//!
//! Order of checks, each failing closed with its own code:
//! 1. size ([`ErrorCode::TokenTooLarge`]) — before any decoding;
//! 2. three segments of strict base64url, header a JSON object without duplicate members
//!    ([`ErrorCode::MalformedToken`]);
//! 3. `alg` present, not `none`, not HMAC, known, and in the caller's allow-list
//!    ([`ErrorCode::UnsupportedAlgorithm`]) — before any key is looked at, so no key can be used with an
//!    algorithm it was not meant for;
//! 4. `crit`: this library implements no critical extension, so any entry is
//!    [`ErrorCode::UnsupportedCriticalHeader`] (RFC 7515 §4.1.11);
//! 5. key selection by `kid`/`alg` ([`crate::jwk::KeySet::select`]);
//! 6. the signature over the ASCII `header.payload` ([`ErrorCode::InvalidSignature`]).
//!
//! The payload is decoded only after the signature verifies; header fields like `jku`, `x5u`, `jwk`
//! and `x5c` are never used to find keys.

use crate::b64;
use crate::crypto::{Algorithm, VerifyingKey};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{RejectDuplicates, Text};
use crate::jwk::KeySet;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Default size limit of a compact token, in bytes.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Largest signature any supported algorithm produces (RSA-8192), in bytes.
const MAX_SIGNATURE_BYTES: usize = 1024;

/// What a JWS verification allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwsOptions {
    /// Algorithms accepted in the header; anything else is rejected before key selection.
    pub algorithms: Vec<Algorithm>,
    /// Maximum compact serialization length in bytes.
    pub max_token_bytes: usize,
}

impl JwsOptions {
    /// Accept only `algorithms`, with the default size limit.
    pub fn new(algorithms: &[Algorithm]) -> Self {
        JwsOptions {
            algorithms: algorithms.to_vec(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// The protected header fields this library interprets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The signature algorithm (already checked against the allow-list).
    pub alg: Algorithm,
    /// Key id, if present.
    pub kid: Option<String>,
    /// Media type of the whole JWS (`typ`), if present.
    pub typ: Option<String>,
    /// Content type of the payload (`cty`), if present.
    pub cty: Option<String>,
}

/// The three segments of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactParts<'a> {
    /// base64url header.
    pub header: &'a str,
    /// base64url payload.
    pub payload: &'a str,
    /// base64url signature.
    pub signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
}

/// Splits a compact JWS into its segments after the size check.
pub fn split(token: &str, max_token_bytes: usize) -> Result<CompactParts<'_>> {
    if token.len() > max_token_bytes {
        return Err(Error::new(
            ErrorCode::TokenTooLarge,
            format!(
                "token is {} bytes; the limit is {max_token_bytes}",
                token.len()
            ),
        ));
    }
    let mut dots = token.match_indices('.').map(|(i, _)| i);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(Error::malformed(
            "a compact JWS has exactly three dot-separated segments",
        ));
    };
    let (Some(header), Some(payload), Some(signature), Some(signing_input)) = (
        token.get(..first),
        token.get(first + 1..second),
        token.get(second + 1..),
        token.get(..second),
    ) else {
        return Err(Error::malformed(
            "a compact JWS has exactly three dot-separated segments",
        ));
    };
    // An empty signature is left to the algorithm check (`alg: none` is then UNSUPPORTED_ALGORITHM) and
    // to signature verification (a zero-length signature never verifies).
    if header.is_empty() {
        return Err(Error::malformed("empty JWS header segment"));
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// Raw header as parsed, before policy checks.
#[derive(Default)]
struct RawHeader<'a> {
    alg: Option<Cow<'a, str>>,
    kid: Option<Cow<'a, str>>,
    typ: Option<Cow<'a, str>>,
    cty: Option<Cow<'a, str>>,
    crit: Option<Vec<Text<'a>>>,
    /// RFC 7797 `b64`; `false` changes what the signature covers, which this library does not implement.
    b64: Option<bool>,
}

struct RawHeaderVisitor;

fn set_once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom(format_args!("duplicate member name {name:?}")));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for RawHeaderVisitor {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader<'de>, A::Error> {
        let mut h = RawHeader::default();
        let mut others: Vec<Text<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "alg" => set_once(&mut h.alg, map.next_value::<Text<'de>>()?.0, "alg")?,
                "kid" => set_once(&mut h.kid, map.next_value::<Text<'de>>()?.0, "kid")?,
                "typ" => set_once(&mut h.typ, map.next_value::<Text<'de>>()?.0, "typ")?,
                "cty" => set_once(&mut h.cty, map.next_value::<Text<'de>>()?.0, "cty")?,
                "crit" => set_once(&mut h.crit, map.next_value::<Vec<Text<'de>>>()?, "crit")?,
                "b64" => set_once(&mut h.b64, map.next_value::<bool>()?, "b64")?,
                _ => {
                    if others.contains(&key) {
                        return Err(de::Error::custom(format_args!(
                            "duplicate member name {:?}",
                            key.as_str()
                        )));
                    }
                    map.next_value_seed(RejectDuplicates)?;
                    others.push(key);
                }
            }
        }
        Ok(h)
    }
}

impl<'de> de::Deserialize<'de> for RawHeader<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RawHeaderVisitor)
    }
}

/// Decodes and checks a protected header: JSON object, `alg` allowed, no `crit`.
pub fn decode_header(header_b64: &str, algorithms: &[Algorithm]) -> Result<Header> {
    let bytes = b64::decode(header_b64.as_bytes())
        .ok_or_else(|| Error::malformed("JWS header is not strict base64url"))?;
    let raw: RawHeader<'_> = serde_json::from_slice(&bytes)
        .map_err(|e| Error::malformed(format!("JWS header is not a valid JSON object: {e}")))?;
    let alg_name = raw
        .alg
        .as_deref()
        .ok_or_else(|| Error::new(ErrorCode::UnsupportedAlgorithm, "JWS header has no \"alg\""))?;
    let alg = match Algorithm::from_name(alg_name) {
        Some(alg) if algorithms.contains(&alg) => alg,
        Some(alg) => {
            return Err(Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!(
                    "algorithm {alg} is not allowed here (allowed: {})",
                    names(algorithms)
                ),
            ));
        }
        None => {
            let kind = if alg_name.eq_ignore_ascii_case("none") {
                "unsecured JWS (\"none\") is never accepted"
            } else if alg_name.starts_with("HS") {
                "HMAC algorithms are never accepted for public-key verification"
            } else {
                "unknown algorithm"
            };
            return Err(Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!("{kind}: {alg_name:?}"),
            ));
        }
    };
    if let Some(crit) = &raw.crit {
        let first = crit
            .first()
            .ok_or_else(|| Error::malformed("\"crit\" must not be empty"))?;
        return Err(Error::new(
            ErrorCode::UnsupportedCriticalHeader,
            format!(
                "critical header parameter {:?} is not supported",
                first.as_str()
            ),
        ));
    }
    if raw.b64 == Some(false) {
        return Err(Error::new(
            ErrorCode::UnsupportedCriticalHeader,
            "unencoded payloads (\"b64\": false) are not supported",
        ));
    }
    Ok(Header {
        alg,
        kid: raw.kid.map(Cow::into_owned),
        typ: raw.typ.map(Cow::into_owned),
        cty: raw.cty.map(Cow::into_owned),
    })
}

fn names(algorithms: &[Algorithm]) -> String {
    algorithms
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Verifies the signature of `parts` with `key`.
pub fn verify_signature(
    key: &VerifyingKey,
    alg: Algorithm,
    parts: &CompactParts<'_>,
) -> Result<()> {
    let mut sig = [0u8; MAX_SIGNATURE_BYTES];
    let len = decode_signature(parts.signature, &mut sig)?;
    let sig = sig
        .get(..len)
        .ok_or_else(|| Error::new(ErrorCode::Internal, "signature length"))?;
    key.verify(alg, parts.signing_input.as_bytes(), sig)
}

fn decode_signature(sig_b64: &str, out: &mut [u8; MAX_SIGNATURE_BYTES]) -> Result<usize> {
    // A longer encoding cannot hold a signature of any supported algorithm.
    if sig_b64.len() > (MAX_SIGNATURE_BYTES * 4).div_ceil(3) {
        return Err(Error::new(
            ErrorCode::InvalidSignature,
            "signature is longer than any supported algorithm's",
        ));
    }
    b64::decode_slice(sig_b64.as_bytes(), out)
        .ok_or_else(|| Error::malformed("JWS signature is not strict base64url"))
}

/// A JWS whose signature has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJws {
    /// The checked protected header.
    pub header: Header,
    /// The decoded payload bytes (not yet parsed).
    pub payload: Vec<u8>,
}

/// Verifies a compact JWS against a key set: size, structure, header policy, key selection, signature.
/// Returns the header and decoded payload; the caller interprets the payload.
pub fn verify(keys: &KeySet, token: &str, options: &JwsOptions) -> Result<VerifiedJws> {
    let parts = split(token, options.max_token_bytes)?;
    let header = decode_header(parts.header, &options.algorithms)?;
    let key = keys.select(header.alg, header.kid.as_deref())?;
    verify_signature(key, header.alg, &parts)?;
    let payload = decode_payload(parts.payload)?;
    Ok(VerifiedJws { header, payload })
}

/// Verifies a compact JWS with one given key (e.g. the holder key of an SD-JWT key-binding JWT).
pub fn verify_with_key(
    key: &VerifyingKey,
    token: &str,
    options: &JwsOptions,
) -> Result<VerifiedJws> {
    let parts = split(token, options.max_token_bytes)?;
    let header = decode_header(parts.header, &options.algorithms)?;
    verify_signature(key, header.alg, &parts)?;
    let payload = decode_payload(parts.payload)?;
    Ok(VerifiedJws { header, payload })
}

/// Decodes a base64url payload segment.
pub fn decode_payload(payload_b64: &str) -> Result<Vec<u8>> {
    b64::decode(payload_b64.as_bytes())
        .ok_or_else(|| Error::malformed("JWS payload is not strict base64url"))
}

/// Header and payload of a compact JWS as JSON, decoded WITHOUT verifying anything. For inspection tools.
#[derive(Debug, Clone, PartialEq)]
pub struct Unverified {
    /// The header object.
    pub header: Map<String, Value>,
    /// The payload object.
    pub payload: Map<String, Value>,
}

/// Decodes header and payload without verification (strict base64url and JSON, duplicates rejected).
pub fn decode_unverified(token: &str, max_token_bytes: usize) -> Result<Unverified> {
    let parts = split(token, max_token_bytes)?;
    let header = b64::decode(parts.header.as_bytes())
        .ok_or_else(|| Error::malformed("JWS header is not strict base64url"))?;
    let payload = decode_payload(parts.payload)?;
    let header = crate::json::parse_object_strict(&header)
        .map_err(|e| Error::malformed(format!("JWS header: {e}")))?;
    let payload = crate::json::parse_object_strict(&payload)
        .map_err(|e| Error::malformed(format!("JWS payload: {e}")))?;
    Ok(Unverified { header, payload })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn header(json: &str) -> Result<Header> {
        decode_header(
            &b64::encode(json.as_bytes()),
            &[Algorithm::RS256, Algorithm::ES256],
        )
    }

    #[test]
    fn header_policy() {
        assert_eq!(
            header(r#"{"alg":"RS256","kid":"k"}"#)
                .unwrap()
                .kid
                .as_deref(),
            Some("k")
        );
        let code = |j: &str| header(j).unwrap_err().code;
        assert_eq!(code(r#"{"alg":"none"}"#), ErrorCode::UnsupportedAlgorithm);
        assert_eq!(code(r#"{"alg":"HS256"}"#), ErrorCode::UnsupportedAlgorithm);
        assert_eq!(code(r#"{"alg":"PS256"}"#), ErrorCode::UnsupportedAlgorithm);
        assert_eq!(code(r#"{"alg":"rs256"}"#), ErrorCode::UnsupportedAlgorithm);
        assert_eq!(code(r#"{"kid":"x"}"#), ErrorCode::UnsupportedAlgorithm);
        assert_eq!(
            code(r#"{"alg":"RS256","alg":"RS256"}"#),
            ErrorCode::MalformedToken
        );
        assert_eq!(
            code(r#"{"alg":"RS256","x":1,"x":2}"#),
            ErrorCode::MalformedToken
        );
        assert_eq!(
            code(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#),
            ErrorCode::UnsupportedCriticalHeader
        );
        assert_eq!(
            code(r#"{"alg":"RS256","crit":[]}"#),
            ErrorCode::MalformedToken
        );
        assert_eq!(
            code(r#"{"alg":"RS256","b64":false}"#),
            ErrorCode::UnsupportedCriticalHeader
        );
        assert_eq!(
            code(r#"{"alg":"RS256","kid":5}"#),
            ErrorCode::MalformedToken
        );
        assert_eq!(code(r#"["RS256"]"#), ErrorCode::MalformedToken);
    }

    #[test]
    fn split_rules() {
        assert!(split("a.b.c", 100).is_ok());
        assert!(split("a..c", 100).is_ok());
        assert_eq!(
            split("a.b", 100).unwrap_err().code,
            ErrorCode::MalformedToken
        );
        assert_eq!(
            split("a.b.c.d", 100).unwrap_err().code,
            ErrorCode::MalformedToken
        );
        assert_eq!(
            split(".b.c", 100).unwrap_err().code,
            ErrorCode::MalformedToken
        );
        assert_eq!(split("a.b.", 100).unwrap().signature, "");
        assert_eq!(
            split("a.b.c", 4).unwrap_err().code,
            ErrorCode::TokenTooLarge
        );
    }
}
