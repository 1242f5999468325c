//! JWK and JWKS (RFC 7517/7518/8037), RFC 7638 thumbprints, and a [`KeySet`] whose keys are parsed once.
//!
//! A key set is built once (when a JWKS is fetched or configured) and then used for many verifications:
//! every key is decoded, checked and handed to the crypto backend at build time, so verification costs
//! only the signature operation. Keys this library cannot or must not use (symmetric keys, encryption
//! keys, too-small RSA moduli, private keys) stay in the set as unusable entries with a reason, so that a
//! token naming one gets a precise error instead of "unknown key".

use crate::b64;
use crate::crypto::{Algorithm, Backend, KeyKind, PublicKeyMaterial, VerifyingKey};
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 1 << 20;
/// Largest number of keys in one JWKS.
pub const MAX_KEYS: usize = 100;
/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (bounds the cost of one verification).
pub const MAX_RSA_BITS: usize = 8192;

/// One JWK after validation: its metadata, the public key material and its RFC 7638 thumbprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// `kid`, if any.
    pub kid: Option<String>,
    /// `alg`, if any (a known signature algorithm consistent with the key type).
    pub alg: Option<Algorithm>,
    /// The public key.
    pub material: PublicKeyMaterial,
    /// RFC 7638 SHA-256 thumbprint, base64url.
    pub thumbprint: String,
}

impl Jwk {
    /// Parses and validates a single public JWK given as JSON text (duplicate members rejected).
    pub fn from_json(json: &str) -> Result<Jwk> {
        let map = crate::json::parse_object_strict(json.as_bytes()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidKey,
                format!("JWK is not a JSON object: {e}"),
            )
        })?;
        Jwk::from_map(&map)
    }

    /// Parses and validates a single public JWK object. The key must be usable for signature verification
    /// (`use` absent or `sig`, `key_ops` absent or containing `verify`).
    pub fn from_map(map: &Map<String, Value>) -> Result<Jwk> {
        parse_jwk(map).and_then(|entry| match entry.unusable {
            None => Ok(entry.jwk),
            Some(reason) => Err(Error::new(ErrorCode::InvalidKey, reason)),
        })
    }

    /// Builds a verifying key for `backend`, restricted to the JWK's `alg` when it has one.
    pub fn verifying_key(&self, backend: Backend) -> Result<VerifyingKey> {
        let only = self.alg.map(|a| [a]);
        VerifyingKey::new(backend, &self.material, only.as_ref().map(|a| a.as_slice()))
    }

    /// The key family.
    pub fn kind(&self) -> KeyKind {
        self.material.kind()
    }
}

/// The RFC 7638 thumbprint of a JWK given as JSON text.
pub fn thumbprint(json: &str) -> Result<String> {
    Jwk::from_json(json).map(|jwk| jwk.thumbprint)
}

struct ParsedEntry {
    jwk: Jwk,
    /// Why the key may not verify signatures, if it may not.
    unusable: Option<String>,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidKey, message)
}

fn str_member<'a>(map: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("JWK member {name:?} must be a string"))),
    }
}

fn required_str<'a>(map: &'a Map<String, Value>, name: &str, kty: &str) -> Result<&'a str> {
    str_member(map, name)?.ok_or_else(|| invalid(format!("{kty} JWK lacks {name:?}")))
}

fn decode_member(value: &str, name: &str) -> Result<Vec<u8>> {
    b64::decode(value.as_bytes())
        .ok_or_else(|| invalid(format!("JWK member {name:?} is not strict base64url")))
}

/// Big-endian unsigned integer without leading zero octets (RFC 7518 §6.3.1).
fn decode_uint(value: &str, name: &str) -> Result<Vec<u8>> {
    let bytes = decode_member(value, name)?;
    match bytes.first() {
        None => Err(invalid(format!("JWK member {name:?} is empty"))),
        Some(0) => Err(invalid(format!(
            "JWK member {name:?} has leading zero octets"
        ))),
        Some(_) => Ok(bytes),
    }
}

fn bit_length(be: &[u8]) -> usize {
    match be.first() {
        Some(first) => (be.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// SHA-256 over the required members in lexicographic order, no whitespace (RFC 7638 §3).
fn compute_thumbprint(members: &[(&str, &str)]) -> String {
    let mut canonical = String::with_capacity(256);
    canonical.push('{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            canonical.push(',');
        }
        // Values are base64url or fixed names, so they never need JSON escaping.
        canonical.push('"');
        canonical.push_str(name);
        canonical.push_str("\":\"");
        canonical.push_str(value);
        canonical.push('"');
    }
    canonical.push('}');
    b64::encode(&Sha256::digest(canonical.as_bytes()))
}

fn parse_material(map: &Map<String, Value>, kty: &str) -> Result<(PublicKeyMaterial, String)> {
    match kty {
        "RSA" => {
            let n_text = required_str(map, "n", kty)?;
            let e_text = required_str(map, "e", kty)?;
            let n = decode_uint(n_text, "n")?;
            let e = decode_uint(e_text, "e")?;
            let bits = bit_length(&n);
            if bits < MIN_RSA_BITS {
                return Err(invalid(format!(
                    "RSA modulus has {bits} bits; at least {MIN_RSA_BITS} required"
                )));
            }
            if bits > MAX_RSA_BITS {
                return Err(invalid(format!(
                    "RSA modulus has {bits} bits; at most {MAX_RSA_BITS} allowed"
                )));
            }
            // An even modulus is never a valid RSA key. aws-lc-rs only notices at verification time while
            // RustCrypto refuses it at load: rejecting it here keeps both backends' verdicts identical.
            if n.last().is_some_and(|b| b & 1 == 0) {
                return Err(invalid("RSA modulus must be odd"));
            }
            // Both backends accept odd exponents from 3 up to 2^32 + 1 (65537 in practice).
            let e_even = e.last().is_none_or(|b| b & 1 == 0);
            if e.len() > 4 || e_even || (e.len() == 1 && e.first().is_some_and(|b| *b < 3)) {
                return Err(invalid(
                    "RSA public exponent must be odd, at least 3 and at most 32 bits",
                ));
            }
            let tp = compute_thumbprint(&[("e", e_text), ("kty", "RSA"), ("n", n_text)]);
            Ok((PublicKeyMaterial::Rsa { n, e }, tp))
        }
        "EC" => {
            let crv = required_str(map, "crv", kty)?;
            let (kind, len) = match crv {
                "P-256" => (KeyKind::P256, 32),
                "P-384" => (KeyKind::P384, 48),
                other => return Err(invalid(format!("unsupported EC curve {other:?}"))),
            };
            let x_text = required_str(map, "x", kty)?;
            let y_text = required_str(map, "y", kty)?;
            let x = decode_member(x_text, "x")?;
            let y = decode_member(y_text, "y")?;
            if x.len() != len || y.len() != len {
                return Err(invalid(format!(
                    "{crv} coordinates must be {len} bytes each"
                )));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let tp =
                compute_thumbprint(&[("crv", crv), ("kty", "EC"), ("x", x_text), ("y", y_text)]);
            Ok((PublicKeyMaterial::Ec { kind, point }, tp))
        }
        "OKP" => {
            let crv = required_str(map, "crv", kty)?;
            if crv != "Ed25519" {
                return Err(invalid(format!("unsupported OKP curve {crv:?}")));
            }
            let x_text = required_str(map, "x", kty)?;
            let x: [u8; 32] = decode_member(x_text, "x")?
                .try_into()
                .map_err(|_| invalid("Ed25519 public key must be 32 bytes"))?;
            // aws-lc-rs accepts any 32 bytes and fails at verification, ed25519-dalek refuses a non-point at
            // load: checking the encoding here gives every backend the same verdict (INVALID_KEY).
            if ed25519_dalek::VerifyingKey::from_bytes(&x).is_err() {
                return Err(invalid("Ed25519 public key is not a valid curve point"));
            }
            let tp = compute_thumbprint(&[("crv", "Ed25519"), ("kty", "OKP"), ("x", x_text)]);
            Ok((PublicKeyMaterial::Ed25519 { x }, tp))
        }
        other => Err(invalid(format!("unsupported key type {other:?}"))),
    }
}

/// Private-key members of RSA, EC and OKP JWKs (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// Parses one JWK. Structural errors of supported key types are errors; reasons not to use a
/// well-formed key for verification are reported in `unusable`.
fn parse_jwk(map: &Map<String, Value>) -> Result<ParsedEntry> {
    let kty = str_member(map, "kty")?.ok_or_else(|| invalid("JWK lacks \"kty\""))?;
    let kid = str_member(map, "kid")?.map(str::to_owned);
    let alg_name = str_member(map, "alg")?;
    let key_use = str_member(map, "use")?;
    let key_ops = match map.get("key_ops") {
        None => None,
        Some(Value::Array(ops)) => {
            let mut names = Vec::with_capacity(ops.len());
            for op in ops {
                match op {
                    Value::String(s) if !names.contains(&s.as_str()) => names.push(s.as_str()),
                    Value::String(_) => {
                        return Err(invalid("JWK \"key_ops\" has duplicate values"));
                    }
                    _ => return Err(invalid("JWK \"key_ops\" must be an array of strings")),
                }
            }
            Some(names)
        }
        Some(_) => return Err(invalid("JWK \"key_ops\" must be an array of strings")),
    };
    let (material, thumbprint) = parse_material(map, kty)?;
    let kind = material.kind();

    let mut unusable = None;
    let alg = match alg_name.map(|name| (name, Algorithm::from_name(name))) {
        None => None,
        Some((_, Some(alg))) if alg.key_kind() == kind => Some(alg),
        Some((name, _)) => {
            unusable = Some(format!(
                "JWK \"alg\" {name:?} is not a signature algorithm for this key"
            ));
            None
        }
    };
    if let Some(u) = key_use.filter(|u| *u != "sig") {
        unusable = Some(format!("JWK \"use\" is {u:?}, not \"sig\""));
    }
    if key_ops.as_ref().is_some_and(|ops| !ops.contains(&"verify")) {
        unusable = Some("JWK \"key_ops\" does not include \"verify\"".to_owned());
    }
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| map.contains_key(**m)) {
        unusable = Some(format!(
            "JWK contains private key member {member:?}; publish public keys only"
        ));
    }
    Ok(ParsedEntry {
        jwk: Jwk {
            kid,
            alg,
            material,
            thumbprint,
        },
        unusable,
    })
}

/// A key of a [`KeySet`]: usable (parsed for the backend) or kept with the reason it cannot be used.
#[derive(Debug)]
struct KeyEntry {
    kid: Option<String>,
    /// The `alg` the JWK is restricted to, if any.
    alg: Option<Algorithm>,
    /// Family, when the key type is supported.
    kind: Option<KeyKind>,
    thumbprint: Option<String>,
    key: core::result::Result<VerifyingKey, String>,
}

impl KeyEntry {
    fn eligible_for(&self, alg: Algorithm) -> bool {
        self.kind == Some(alg.key_kind()) && self.alg.is_none_or(|a| a == alg)
    }
}

/// A parsed JWKS: every key decoded and handed to the crypto backend once.
#[derive(Debug)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
    backend: Backend,
}

/// Summary of one key of a [`KeySet`], for tools and diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// `kid`, if any.
    pub kid: Option<String>,
    /// RFC 7638 thumbprint, if the key type is supported.
    pub thumbprint: Option<String>,
    /// `alg` restriction, if any.
    pub alg: Option<String>,
    /// Why the key cannot verify signatures, if it cannot.
    pub unusable: Option<String>,
}

impl KeySet {
    /// Parses a JWKS document (`{"keys":[…]}`) with the default backend.
    pub fn from_jwks_json(json: &str) -> Result<KeySet> {
        KeySet::from_jwks_json_with_backend(json, Backend::DEFAULT)
    }

    /// Parses a JWKS document with the given backend.
    ///
    /// [`ErrorCode::InvalidJwks`] when the document is not a JWKS (not JSON, duplicate members, no `keys`
    /// array, a key that is not an object or lacks `kty`, too many keys, too large). Individual keys of
    /// unsupported types or with bad material stay in the set as unusable.
    pub fn from_jwks_json_with_backend(json: &str, backend: Backend) -> Result<KeySet> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(Error::new(
                ErrorCode::InvalidJwks,
                "JWKS document is larger than 1 MiB",
            ));
        }
        let map = crate::json::parse_object_strict(json.as_bytes()).map_err(|e| {
            Error::new(
                ErrorCode::InvalidJwks,
                format!("JWKS is not a JSON object: {e}"),
            )
        })?;
        KeySet::from_jwks_map(&map, backend)
    }

    /// Builds a key set from an already parsed JWKS object.
    pub fn from_jwks_map(map: &Map<String, Value>, backend: Backend) -> Result<KeySet> {
        let Some(Value::Array(keys)) = map.get("keys") else {
            return Err(Error::new(
                ErrorCode::InvalidJwks,
                "JWKS must have a \"keys\" array",
            ));
        };
        if keys.len() > MAX_KEYS {
            return Err(Error::new(
                ErrorCode::InvalidJwks,
                format!("JWKS has more than {MAX_KEYS} keys"),
            ));
        }
        let mut entries = Vec::with_capacity(keys.len());
        for (index, key) in keys.iter().enumerate() {
            let Value::Object(obj) = key else {
                return Err(Error::new(
                    ErrorCode::InvalidJwks,
                    format!("JWKS key {index} is not an object"),
                ));
            };
            if !matches!(obj.get("kty"), Some(Value::String(_))) {
                return Err(Error::new(
                    ErrorCode::InvalidJwks,
                    format!("JWKS key {index} lacks \"kty\""),
                ));
            }
            entries.push(KeySet::entry(obj, backend));
        }
        Ok(KeySet { entries, backend })
    }

    /// Builds a key set from validated JWKs (e.g. from a DID document or a `cnf` claim).
    pub fn from_jwks(jwks: &[Jwk], backend: Backend) -> Result<KeySet> {
        let mut entries = Vec::with_capacity(jwks.len());
        for jwk in jwks {
            entries.push(KeyEntry {
                kid: jwk.kid.clone(),
                alg: jwk.alg,
                kind: Some(jwk.kind()),
                thumbprint: Some(jwk.thumbprint.clone()),
                key: Ok(jwk.verifying_key(backend)?),
            });
        }
        Ok(KeySet { entries, backend })
    }

    fn entry(obj: &Map<String, Value>, backend: Backend) -> KeyEntry {
        let kid = match obj.get("kid") {
            Some(Value::String(k)) => Some(k.clone()),
            _ => None,
        };
        match parse_jwk(obj) {
            Err(e) => KeyEntry {
                kid,
                alg: None,
                kind: None,
                thumbprint: None,
                key: Err(e.message),
            },
            Ok(parsed) => {
                let jwk = parsed.jwk;
                let key = match parsed.unusable {
                    Some(reason) => Err(reason),
                    None => jwk.verifying_key(backend).map_err(|e| e.message),
                };
                KeyEntry {
                    kid: jwk.kid,
                    alg: jwk.alg,
                    kind: Some(jwk.material.kind()),
                    thumbprint: Some(jwk.thumbprint),
                    key,
                }
            }
        }
    }

    /// The backend the keys were parsed for.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Number of keys, usable or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A summary of every key, in document order.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.entries
            .iter()
            .map(|e| KeyInfo {
                kid: e.kid.clone(),
                thumbprint: e.thumbprint.clone(),
                alg: e.alg.map(|a| a.name().to_owned()),
                unusable: e.key.as_ref().err().cloned(),
            })
            .collect()
    }

    /// Selects the one key that may verify a token signed with `alg` and naming `kid`
    /// (PROTOCOL.md §4.1 rule 3).
    ///
    /// * `kid` present: exactly one key with that `kid` must be eligible (family matches `alg`, JWK `alg`
    ///   absent or equal). A `kid` naming only an unusable key gives [`ErrorCode::InvalidKey`].
    /// * `kid` absent: exactly one eligible key in the whole set.
    ///
    /// Everything else is [`ErrorCode::UnknownKey`].
    pub fn select(&self, alg: Algorithm, kid: Option<&str>) -> Result<&VerifyingKey> {
        self.select_entry(alg, kid).and_then(|entry| {
            entry
                .key
                .as_ref()
                .map_err(|_| Error::new(ErrorCode::Internal, "selected an unusable key"))
        })
    }

    /// As [`KeySet::select`], returning the RFC 7638 thumbprint of the selected key, for callers that verify
    /// the signature elsewhere (e.g. WebCrypto in a browser) and cache imported keys by thumbprint.
    pub fn select_thumbprint(&self, alg: Algorithm, kid: Option<&str>) -> Result<&str> {
        self.select_entry(alg, kid).and_then(|entry| {
            entry
                .thumbprint
                .as_deref()
                .ok_or_else(|| Error::new(ErrorCode::Internal, "selected key has no thumbprint"))
        })
    }

    fn select_entry(&self, alg: Algorithm, kid: Option<&str>) -> Result<&KeyEntry> {
        let mut found: Option<&KeyEntry> = None;
        let mut matches = 0usize;
        let mut kid_seen = false;
        let mut unusable_reason: Option<&str> = None;
        for entry in &self.entries {
            if let Some(kid) = kid {
                if entry.kid.as_deref() != Some(kid) {
                    continue;
                }
                kid_seen = true;
                if let Err(reason) = &entry.key {
                    unusable_reason = Some(reason);
                }
            }
            if entry.eligible_for(alg) && entry.key.is_ok() {
                matches += 1;
                found = Some(entry);
            }
        }
        match (matches, found) {
            (1, Some(entry)) => Ok(entry),
            (0, _) => Err(match (kid, unusable_reason) {
                (Some(kid), Some(reason)) => Error::new(
                    ErrorCode::InvalidKey,
                    format!("key {kid:?} cannot be used: {reason}"),
                ),
                (Some(kid), None) if kid_seen => Error::new(
                    ErrorCode::UnknownKey,
                    format!("key {kid:?} cannot verify {alg}"),
                ),
                (Some(kid), None) => {
                    Error::new(ErrorCode::UnknownKey, format!("no key with kid {kid:?}"))
                }
                (None, _) => Error::new(
                    ErrorCode::UnknownKey,
                    format!("no key in the set can verify {alg}"),
                ),
            }),
            (n, _) => Err(Error::new(
                ErrorCode::UnknownKey,
                match kid {
                    Some(kid) => format!("{n} keys share kid {kid:?}"),
                    None => format!("token has no kid and {n} keys could verify {alg}"),
                },
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    // RFC 7638 §3.1 example key and thumbprint.
    const RFC7638_KEY: &str = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;

    #[test]
    fn rfc7638_thumbprint() {
        assert_eq!(
            thumbprint(RFC7638_KEY).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn keys_every_backend_would_reject_later_are_rejected_at_load() {
        // RFC 7638's key with n - 1 (even modulus) and RFC 8037's Ed25519 key with one character changed
        // (not a curve point): aws-lc-rs would only fail at verification, RustCrypto at load.
        let even = RFC7638_KEY.replace("KnqDKgw\"", "KnqDKgg\"");
        assert_eq!(
            Jwk::from_json(&even).unwrap_err().code,
            ErrorCode::InvalidKey
        );
        let good =
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
        assert!(Jwk::from_json(good).is_ok());
        let off_curve = good.replace("PapiMlrw", "PapiMlsw");
        assert_eq!(
            Jwk::from_json(&off_curve).unwrap_err().code,
            ErrorCode::InvalidKey
        );
    }

    #[test]
    fn rejects_bad_jwks_documents() {
        for doc in [
            "[]",
            "{}",
            r#"{"keys":{}}"#,
            r#"{"keys":[1]}"#,
            r#"{"keys":[{}]}"#,
            r#"{"keys":[],"keys":[]}"#,
        ] {
            let err = KeySet::from_jwks_json(doc).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidJwks, "{doc}");
        }
    }

    #[test]
    fn unusable_keys_are_kept_with_reasons() {
        let doc = r#"{"keys":[{"kty":"oct","k":"AAAA","kid":"h"},{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"small"}]}"#;
        let set = KeySet::from_jwks_json(doc).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.keys().iter().all(|k| k.unusable.is_some()));
        assert_eq!(
            set.select(Algorithm::RS256, Some("small"))
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        assert_eq!(
            set.select(Algorithm::RS256, Some("nope")).unwrap_err().code,
            ErrorCode::UnknownKey
        );
        assert_eq!(
            set.select(Algorithm::RS256, None).unwrap_err().code,
            ErrorCode::UnknownKey
        );
    }
}
