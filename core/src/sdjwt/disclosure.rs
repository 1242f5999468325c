//! Disclosures (RFC 9901 §4.2) and the reconstruction of the processed payload (RFC 9901 §7.1 steps 3–5).
//!
//! Processing is one recursive walk over the issuer payload: every `_sd` array and every `{"...": digest}`
//! array element is looked up among the presented disclosures, and each disclosure value is walked in turn,
//! because disclosures may themselves carry digests (recursive disclosure). The walk enforces, in this order
//! of discovery:
//! * a digest appears at most once across the payload and all disclosures ([`ErrorCode::DuplicateDisclosure`]);
//! * an object-property disclosure is referenced only from `_sd`, an array-element disclosure only from a
//!   `{"...": digest}` element ([`ErrorCode::InvalidDisclosure`]);
//! * a disclosed name never replaces a claim already in the object ([`ErrorCode::InvalidDisclosure`]);
//! * `_sd` is an array of strings, `_sd_alg` appears only at the top level, a `...` member only alone in an
//!   array element, and nesting stays under [`MAX_DEPTH`] ([`ErrorCode::InvalidCredential`]);
//!
//! and afterwards every presented disclosure has been used exactly once ([`ErrorCode::InvalidDisclosure`]).

use crate::b64;
use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::{HashMap, HashSet};

/// Deepest nesting of objects and arrays the processed payload may reach, counting through disclosures.
///
/// serde_json caps parsing at 128 levels per document; disclosures chain documents, so the walk needs its
/// own bound to keep recursion (and stack use) fixed.
pub const MAX_DEPTH: usize = 64;

/// Digest algorithms for disclosures (`_sd_alg`, IANA "Named Information Hash Algorithm" names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HashAlg {
    /// `sha-256`, the default when `_sd_alg` is absent (RFC 9901 §4.1.1).
    #[serde(rename = "sha-256")]
    Sha256,
    /// `sha-384`.
    #[serde(rename = "sha-384")]
    Sha384,
    /// `sha-512`.
    #[serde(rename = "sha-512")]
    Sha512,
}

impl HashAlg {
    /// Looks up an `_sd_alg` value (exact, lower case as registered).
    pub fn from_name(name: &str) -> Option<HashAlg> {
        match name {
            "sha-256" => Some(HashAlg::Sha256),
            "sha-384" => Some(HashAlg::Sha384),
            "sha-512" => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    /// The `_sd_alg` name.
    pub const fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha-256",
            HashAlg::Sha384 => "sha-384",
            HashAlg::Sha512 => "sha-512",
        }
    }

    /// base64url(hash(`data`)): the digest form used by `_sd`, `...` and `sd_hash`.
    pub fn digest_b64(self, data: &[u8]) -> String {
        match self {
            HashAlg::Sha256 => b64::encode(&Sha256::digest(data)),
            HashAlg::Sha384 => b64::encode(&Sha384::digest(data)),
            HashAlg::Sha512 => b64::encode(&Sha512::digest(data)),
        }
    }
}

/// One decoded disclosure.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The disclosure exactly as presented (its digest is computed over these ASCII bytes).
    pub encoded: String,
    /// The salt.
    pub salt: String,
    /// The claim name for an object-property disclosure; `None` for an array-element disclosure.
    pub name: Option<String>,
    /// The disclosed value (may itself contain `_sd` or `...` digests).
    pub value: Value,
    /// base64url(hash(`encoded`)) under the SD-JWT's `_sd_alg`.
    pub digest: String,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidDisclosure, message)
}

/// Claim names a disclosure may not carry: the two SD-JWT markers (RFC 9901 §4.2.1) and `_sd_alg`, which
/// is meaningful only at the top level of the issuer payload.
const FORBIDDEN_NAMES: [&str; 3] = ["_sd", "...", "_sd_alg"];

impl Disclosure {
    /// Decodes one disclosure: strict base64url of a JSON array `[salt, name, value]` (object property) or
    /// `[salt, value]` (array element), with a string salt and name and no duplicate member names anywhere.
    pub fn parse(encoded: &str, alg: HashAlg) -> Result<Disclosure> {
        let bytes = b64::decode(encoded.as_bytes())
            .ok_or_else(|| invalid("disclosure is not strict base64url"))?;
        let value = crate::json::parse_value_strict(&bytes)
            .map_err(|e| invalid(format!("disclosure is not valid JSON: {e}")))?;
        let Value::Array(items) = value else {
            return Err(invalid("disclosure is not a JSON array"));
        };
        let mut items = items.into_iter();
        let (salt, name, value) = match (items.next(), items.next(), items.next(), items.next()) {
            (Some(salt), Some(value), None, None) => (salt, None, value),
            (Some(salt), Some(name), Some(value), None) => (salt, Some(name), value),
            _ => return Err(invalid("disclosure must be an array of 2 or 3 elements")),
        };
        let Value::String(salt) = salt else {
            return Err(invalid("disclosure salt must be a string"));
        };
        let name = match name {
            None => None,
            Some(Value::String(name)) if FORBIDDEN_NAMES.contains(&name.as_str()) => {
                return Err(invalid(format!(
                    "disclosure may not use the claim name {name:?}"
                )));
            }
            Some(Value::String(name)) => Some(name),
            Some(_) => return Err(invalid("disclosure claim name must be a string")),
        };
        Ok(Disclosure {
            digest: alg.digest_b64(encoded.as_bytes()),
            encoded: encoded.to_owned(),
            salt,
            name,
            value,
        })
    }
}

fn malformed_credential(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidCredential, message)
}

/// The digest of an array element of the form `{"...": digest}`, if the element has that form.
///
/// `Err` for an object that mixes `...` with other members, which RFC 9901 §4.2.4.2 does not define.
pub(crate) fn array_digest(element: &Value) -> Result<Option<&str>> {
    let Value::Object(map) = element else {
        return Ok(None);
    };
    let Some(digest) = map.get("...") else {
        return Ok(None);
    };
    match digest {
        Value::String(d) if map.len() == 1 => Ok(Some(d)),
        Value::String(_) => Err(malformed_credential(
            "an array element with \"...\" has other members",
        )),
        _ => Err(malformed_credential("\"...\" must be a digest string")),
    }
}

/// The digests of an object's `_sd` member (empty when absent).
pub(crate) fn sd_digests(map: &Map<String, Value>) -> Result<Vec<&str>> {
    match map.get("_sd") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|d| {
                d.as_str()
                    .ok_or_else(|| malformed_credential("\"_sd\" must contain only digest strings"))
            })
            .collect(),
        Some(_) => Err(malformed_credential(
            "\"_sd\" must be an array of digest strings",
        )),
    }
}

/// Indexes disclosures by digest; the same disclosure twice is [`ErrorCode::DuplicateDisclosure`].
pub(crate) fn index_by_digest(disclosures: &[Disclosure]) -> Result<HashMap<&str, usize>> {
    let mut by_digest = HashMap::with_capacity(disclosures.len());
    for (i, d) in disclosures.iter().enumerate() {
        if by_digest.insert(d.digest.as_str(), i).is_some() {
            return Err(Error::new(
                ErrorCode::DuplicateDisclosure,
                format!("disclosure {i} is presented more than once"),
            ));
        }
    }
    Ok(by_digest)
}

/// Rebuilds the processed payload from the issuer payload (without `_sd_alg`) and the disclosures.
///
/// Works in place and moves strings instead of copying them: this runs on every presentation a relying
/// party checks, next to one signature verification, so its allocations show in the benchmark.
pub(crate) fn process(
    payload: Map<String, Value>,
    disclosures: Vec<Disclosure>,
) -> Result<Map<String, Value>> {
    let mut by_digest: DigestMap<usize> =
        DigestMap::with_capacity_and_hasher(disclosures.len(), Default::default());
    let mut slots: Vec<Option<(Option<String>, Value)>> = Vec::with_capacity(disclosures.len());
    for (i, d) in disclosures.into_iter().enumerate() {
        if by_digest.insert(d.digest, i).is_some() {
            return Err(Error::new(
                ErrorCode::DuplicateDisclosure,
                format!("disclosure {i} is presented more than once"),
            ));
        }
        slots.push(Some((d.name, d.value)));
    }
    let mut walk = Walk {
        by_digest,
        slots: &mut slots,
        // Sized for a typical credential (a few claims plus 2-5 decoys per `_sd`), so it rarely rehashes.
        seen: DigestSet::with_capacity_and_hasher(32, Default::default()),
    };
    let mut processed = payload;
    walk.object(&mut processed, 0)?;
    if let Some(unused) = slots.iter().position(Option::is_some) {
        return Err(invalid(format!(
            "disclosure {unused} is not referenced by the issuer payload or another disclosure"
        )));
    }
    Ok(processed)
}

/// Hashes digest strings cheaply. They are base64url SHA-2 outputs fixed by the issuer's signed payload or
/// by the disclosures it committed to, so an attacker cannot choose colliding keys, and SipHash's flooding
/// resistance would only cost time on every presentation.
#[derive(Default, Clone, Copy)]
struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type DigestMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<DigestHasher>>;
type DigestSet = HashSet<String, std::hash::BuildHasherDefault<DigestHasher>>;

struct Walk<'a> {
    by_digest: DigestMap<usize>,
    /// Name and value of each disclosure, taken out when its digest is found.
    slots: &'a mut [Option<(Option<String>, Value)>],
    seen: DigestSet,
}

/// Takes the `_sd` array out of an object (empty when absent), checking that it holds only strings.
fn take_sd_digests(map: &mut Map<String, Value>) -> Result<Vec<String>> {
    match map.remove("_sd") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|d| match d {
                Value::String(s) => Ok(s),
                _ => Err(malformed_credential(
                    "\"_sd\" must contain only digest strings",
                )),
            })
            .collect(),
        Some(_) => Err(malformed_credential(
            "\"_sd\" must be an array of digest strings",
        )),
    }
}

impl Walk<'_> {
    /// Records `digest` and takes the disclosure it names, if presented.
    fn take(&mut self, digest: String) -> Result<Option<(Option<String>, Value)>> {
        let index = self.by_digest.get(&digest).copied();
        if !self.seen.insert(digest) {
            return Err(Error::new(
                ErrorCode::DuplicateDisclosure,
                "a digest appears more than once in the credential",
            ));
        }
        let Some(index) = index else {
            return Ok(None);
        };
        // The digest is new, so its slot cannot have been taken before.
        let slot = self
            .slots
            .get_mut(index)
            .and_then(Option::take)
            .ok_or_else(|| Error::new(ErrorCode::Internal, "disclosure slot already used"))?;
        Ok(Some(slot))
    }

    fn value(&mut self, value: &mut Value, depth: usize) -> Result<()> {
        match value {
            Value::Object(map) => self.object(map, depth + 1),
            Value::Array(items) => self.array(items, depth + 1),
            _ => Ok(()),
        }
    }

    fn check_depth(depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(malformed_credential(format!(
                "claims are nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn object(&mut self, map: &mut Map<String, Value>, depth: usize) -> Result<()> {
        Self::check_depth(depth)?;
        if depth > 0 && map.contains_key("_sd_alg") {
            return Err(malformed_credential(
                "\"_sd_alg\" may appear only at the top level",
            ));
        }
        let digests = take_sd_digests(map)?;
        for value in map.values_mut() {
            self.value(value, depth)?;
        }
        for digest in digests {
            let Some((name, mut value)) = self.take(digest)? else {
                continue;
            };
            let Some(name) = name else {
                return Err(invalid(
                    "an array-element disclosure is referenced from \"_sd\"",
                ));
            };
            if map.contains_key(&name) {
                return Err(invalid(format!(
                    "disclosure would overwrite the claim {name:?}"
                )));
            }
            self.value(&mut value, depth)?;
            map.insert(name, value);
        }
        Ok(())
    }

    fn array(&mut self, items: &mut Vec<Value>, depth: usize) -> Result<()> {
        Self::check_depth(depth)?;
        let mut out = Vec::with_capacity(items.len());
        for mut item in items.drain(..) {
            let digest = array_digest(&item)?.map(str::to_owned);
            match digest {
                None => {
                    self.value(&mut item, depth)?;
                    out.push(item);
                }
                Some(digest) => match self.take(digest)? {
                    // Undisclosed elements disappear from the processed array (RFC 9901 §7.1 step 3.3.2).
                    None => {}
                    Some((Some(name), _)) => {
                        return Err(invalid(format!(
                            "object-property disclosure {name:?} is referenced from an array element"
                        )));
                    }
                    Some((None, mut value)) => {
                        self.value(&mut value, depth)?;
                        out.push(value);
                    }
                },
            }
        }
        *items = out;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use serde_json::json;

    fn disclosure(json: &Value) -> Disclosure {
        Disclosure::parse(&b64::encode(json.to_string().as_bytes()), HashAlg::Sha256).unwrap()
    }

    fn code(r: Result<impl std::fmt::Debug>) -> ErrorCode {
        r.unwrap_err().code
    }

    /// RFC 9901 §4.2.1/§4.2.3 example: the `family_name` disclosure and its published digest.
    #[test]
    fn rfc_disclosure_digest() {
        let d = Disclosure::parse(
            "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
            HashAlg::Sha256,
        )
        .unwrap();
        assert_eq!(d.name.as_deref(), Some("family_name"));
        assert_eq!(d.value, json!("Möbius"));
        assert_eq!(d.salt, "_26bc4LT-ac6q2KI6cBW5es");
        assert_eq!(d.digest, "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        // RFC 9901 §4.2.4.2: the array-element disclosure ["lklxF5jMYlGTPUovMNIvCA", "FR"].
        let fr = Disclosure::parse(
            "WyJsa2x4RjVqTVlsR1RQVW92TU5JdkNBIiwgIkZSIl0",
            HashAlg::Sha256,
        )
        .unwrap();
        assert_eq!(fr.digest, "w0I8EKcdCtUPkGCNUrfwVp2xEgNjtoIDlOxc9-PlOhs");
        assert_eq!(fr.name, None);
    }

    #[test]
    fn malformed_disclosures() {
        let enc = |s: &str| b64::encode(s.as_bytes());
        for bad in [
            enc(r#"["s"]"#),
            enc(r#"["s","n","v","x"]"#),
            enc(r#"{"s":1}"#),
            enc(r#"[1,"n","v"]"#),
            enc(r#"["s",2,"v"]"#),
            enc(r#"["s","_sd","v"]"#),
            enc(r#"["s","...","v"]"#),
            enc(r#"["s","n",{"a":1,"a":2}]"#),
            enc("not json"),
            "!!".to_owned(),
            format!("{}=", enc(r#"["s","n","v"]"#)),
        ] {
            assert_eq!(
                code(Disclosure::parse(&bad, HashAlg::Sha256)),
                ErrorCode::InvalidDisclosure,
                "{bad}"
            );
        }
    }

    #[test]
    fn recursive_processing() {
        let street = disclosure(&json!(["s1", "street", "Main St"]));
        let address =
            disclosure(&json!(["s2", "address", {"_sd": [street.digest], "country": "DE"}]));
        let nat = disclosure(&json!(["s3", "DE"]));
        let payload = json!({
            "iss": "i",
            "_sd": [address.digest, "decoy"],
            "nationalities": [{"...": nat.digest}, {"...": "undisclosed"}, "FR"]
        });
        let Value::Object(payload) = payload else {
            unreachable!()
        };
        let out = process(
            payload.clone(),
            vec![street.clone(), address.clone(), nat.clone()],
        )
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"iss": "i", "address": {"street": "Main St", "country": "DE"}, "nationalities": ["DE", "FR"]})
        );
        // The nested disclosure without its parent is unreferenced.
        assert_eq!(
            code(process(payload.clone(), vec![street.clone()])),
            ErrorCode::InvalidDisclosure
        );
        // Parent without child: the child stays hidden.
        let out = process(payload.clone(), vec![address.clone()]).unwrap();
        assert_eq!(out["address"], json!({"country": "DE"}));
        assert_eq!(out["nationalities"], json!(["FR"]));
        assert_eq!(
            code(process(payload.clone(), vec![nat.clone(), nat.clone()])),
            ErrorCode::DuplicateDisclosure
        );
    }

    #[test]
    fn structural_rejections() {
        let name = disclosure(&json!(["s", "iss", "evil"]));
        let elem = disclosure(&json!(["s", "x"]));
        let obj = |v: Value| match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        // Overwriting a visible claim.
        assert_eq!(
            code(process(
                obj(json!({"iss": "i", "_sd": [name.digest]})),
                vec![name.clone()]
            )),
            ErrorCode::InvalidDisclosure
        );
        // Kind mismatches.
        assert_eq!(
            code(process(
                obj(json!({"_sd": [elem.digest]})),
                vec![elem.clone()]
            )),
            ErrorCode::InvalidDisclosure
        );
        assert_eq!(
            code(process(
                obj(json!({"a": [{"...": name.digest}]})),
                vec![name.clone()]
            )),
            ErrorCode::InvalidDisclosure
        );
        // The same digest twice in the payload, even undisclosed.
        assert_eq!(
            code(process(obj(json!({"_sd": ["d", "d"]})), vec![])),
            ErrorCode::DuplicateDisclosure
        );
        assert_eq!(
            code(process(
                obj(json!({"_sd": ["d"], "a": [{"...": "d"}]})),
                vec![]
            )),
            ErrorCode::DuplicateDisclosure
        );
        // Malformed structure.
        assert_eq!(
            code(process(obj(json!({"_sd": "d"})), vec![])),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(process(obj(json!({"_sd": [1]})), vec![])),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(process(obj(json!({"a": {"_sd_alg": "sha-256"}})), vec![])),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(process(obj(json!({"a": [{"...": "d", "b": 1}]})), vec![])),
            ErrorCode::InvalidCredential
        );
        // Depth bound through a chain of disclosures.
        let mut chain = vec![disclosure(&json!(["s", "leaf", 1]))];
        for i in 0..MAX_DEPTH + 1 {
            let prev = chain.last().unwrap().digest.clone();
            chain.push(disclosure(&json!([format!("s{i}"), "n", {"_sd": [prev]}])));
        }
        let top = chain.last().unwrap().digest.clone();
        assert_eq!(
            code(process(obj(json!({"_sd": [top]})), chain)),
            ErrorCode::InvalidCredential
        );
    }
}
