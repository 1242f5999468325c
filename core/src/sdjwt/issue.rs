//! Issuer side: turning chosen claims into disclosures (RFC 9901 §4.2) with decoys and shuffled digests
//! (IMPROVEMENTS.md item 18: upstream's fixed digest order and count revealed which claim each digest was).
//!
//! Signing stays with the caller: [`issue`] returns the payload to sign and the disclosures, and
//! [`serialize`] joins the signed JWT and the disclosures into `<jwt>~<d1>~…~<dn>~`.
//! Randomness is an input too (`rng` fills a buffer), so the core reads no entropy source itself.

use super::disclosure::HashAlg;
use super::present::ClaimPath;
use crate::b64;
use crate::error::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

/// Salt length in bytes: 128 bits, as RFC 9901 §9.3 recommends.
pub const SALT_BYTES: usize = 16;

/// Options of [`issue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssueOptions {
    /// Digest algorithm, written to `_sd_alg`.
    pub sd_alg: HashAlg,
    /// Fewest decoy digests added to each `_sd` array.
    pub min_decoys: usize,
    /// Most decoy digests added to each `_sd` array (the count is drawn uniformly in between).
    pub max_decoys: usize,
}

impl Default for IssueOptions {
    /// SHA-256 and 2–5 decoys per `_sd` array.
    fn default() -> Self {
        IssueOptions {
            sd_alg: HashAlg::Sha256,
            min_decoys: 2,
            max_decoys: 5,
        }
    }
}

/// The result of [`issue`]: the payload for the issuer to sign and the disclosures to hand to the holder.
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    /// The payload with `_sd`, `...` digests and `_sd_alg`.
    pub payload: Value,
    /// Every disclosure, deepest first (a parent's disclosure contains its children's digests).
    pub disclosures: Vec<String>,
}

fn input_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// Uniform integer in `0..bound` (`bound` ≥ 1) by rejection sampling, so shuffles are unbiased.
fn uniform(rng: &mut dyn FnMut(&mut [u8]), bound: usize) -> usize {
    let bound = bound as u64;
    if bound <= 1 {
        return 0;
    }
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let mut bytes = [0u8; 8];
        rng(&mut bytes);
        let v = u64::from_le_bytes(bytes);
        if v < zone {
            return (v % bound) as usize;
        }
    }
}

struct Issuer<'a> {
    options: IssueOptions,
    rng: &'a mut dyn FnMut(&mut [u8]),
    disclosures: Vec<String>,
}

impl Issuer<'_> {
    fn salt(&mut self) -> String {
        let mut salt = [0u8; SALT_BYTES];
        (self.rng)(&mut salt);
        b64::encode(&salt)
    }

    fn disclose(&mut self, array: Vec<Value>) -> String {
        let encoded = b64::encode(Value::Array(array).to_string().as_bytes());
        let digest = self.options.sd_alg.digest_b64(encoded.as_bytes());
        self.disclosures.push(encoded);
        digest
    }

    /// Applies `paths` (relative to `value`) deepest first.
    fn conceal(&mut self, value: Value, paths: &[&[String]], depth: usize) -> Result<Value> {
        if depth > super::disclosure::MAX_DEPTH {
            return Err(input_error("claims are nested too deeply"));
        }
        match value {
            Value::Object(map) => Ok(Value::Object(self.conceal_object(map, paths, depth)?)),
            Value::Array(items) => Ok(Value::Array(self.conceal_array(items, paths, depth)?)),
            _ => Err(input_error("a claim path descends into a scalar")),
        }
    }

    fn conceal_object(
        &mut self,
        map: Map<String, Value>,
        paths: &[&[String]],
        depth: usize,
    ) -> Result<Map<String, Value>> {
        for name in map.keys() {
            if matches!(name.as_str(), "_sd" | "..." | "_sd_alg") {
                return Err(input_error(format!(
                    "the payload already uses the reserved name {name:?}"
                )));
            }
        }
        for path in paths {
            let first = path.first().map(String::as_str).unwrap_or_default();
            if !map.contains_key(first) {
                return Err(input_error(format!(
                    "no claim {first:?} to make disclosable"
                )));
            }
        }
        let mut out = Map::new();
        let mut digests = Vec::new();
        for (name, value) in map {
            let here: Vec<&[String]> = paths
                .iter()
                .filter(|p| p.first() == Some(&name))
                .map(|p| p.get(1..).unwrap_or_default())
                .collect();
            let deeper: Vec<&[String]> = here.iter().copied().filter(|p| !p.is_empty()).collect();
            let value = if deeper.is_empty() {
                value
            } else {
                self.conceal(value, &deeper, depth + 1)?
            };
            if here.iter().any(|p| p.is_empty()) {
                let salt = self.salt();
                digests.push(self.disclose(vec![Value::String(salt), Value::String(name), value]));
            } else {
                out.insert(name, value);
            }
        }
        if !digests.is_empty() {
            let decoys = self.options.min_decoys
                + uniform(
                    self.rng,
                    self.options
                        .max_decoys
                        .saturating_sub(self.options.min_decoys)
                        + 1,
                );
            for _ in 0..decoys {
                let salt = self.salt();
                digests.push(self.options.sd_alg.digest_b64(salt.as_bytes()));
            }
            // Fisher–Yates: the digest order must not reveal which claim is which.
            for i in (1..digests.len()).rev() {
                let j = uniform(self.rng, i + 1);
                digests.swap(i, j);
            }
            out.insert(
                "_sd".to_owned(),
                Value::Array(digests.into_iter().map(Value::String).collect()),
            );
        }
        Ok(out)
    }

    fn conceal_array(
        &mut self,
        items: Vec<Value>,
        paths: &[&[String]],
        depth: usize,
    ) -> Result<Vec<Value>> {
        let mut targets: Vec<(usize, &[String])> = Vec::with_capacity(paths.len());
        for path in paths {
            let first = path.first().map(String::as_str).unwrap_or_default();
            let index = first
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .ok_or_else(|| {
                    input_error(format!("no array element {first:?} to make disclosable"))
                })?;
            targets.push((index, path.get(1..).unwrap_or_default()));
        }
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let here: Vec<&[String]> = targets
                .iter()
                .filter(|(i, _)| *i == index)
                .map(|(_, p)| *p)
                .collect();
            let deeper: Vec<&[String]> = here.iter().copied().filter(|p| !p.is_empty()).collect();
            let item = if deeper.is_empty() {
                item
            } else {
                self.conceal(item, &deeper, depth + 1)?
            };
            if here.iter().any(|p| p.is_empty()) {
                let salt = self.salt();
                let digest = self.disclose(vec![Value::String(salt), item]);
                let mut marker = Map::new();
                marker.insert("...".to_owned(), Value::String(digest));
                out.push(Value::Object(marker));
            } else {
                out.push(item);
            }
        }
        Ok(out)
    }
}

/// Makes the claims at `disclosable` selectively disclosable: each becomes a disclosure with a 128-bit salt,
/// its digest goes into the enclosing object's `_sd` (or replaces the array element as `{"...": digest}`),
/// every `_sd` array gets decoys and is shuffled, and `_sd_alg` is set. Nested paths are applied deepest
/// first, so `address` and `address.street` together give recursive disclosure.
///
/// [`ErrorCode::InvalidInput`] when the payload is not an object, already uses `_sd`, `...` or `_sd_alg`, a
/// path names no existing claim, or the decoy range is inverted.
pub fn issue(
    payload: Value,
    disclosable: &[ClaimPath],
    options: &IssueOptions,
    rng: &mut dyn FnMut(&mut [u8]),
) -> Result<Issued> {
    if options.min_decoys > options.max_decoys {
        return Err(input_error("min_decoys is larger than max_decoys"));
    }
    let Value::Object(map) = payload else {
        return Err(input_error("an SD-JWT payload must be a JSON object"));
    };
    let paths: Vec<&[String]> = disclosable.iter().map(ClaimPath::segments).collect();
    if paths.iter().any(|p| p.is_empty()) {
        return Err(input_error("an empty claim path names the whole payload"));
    }
    let mut issuer = Issuer {
        options: *options,
        rng,
        disclosures: Vec::new(),
    };
    let mut map = issuer.conceal_object(map, &paths, 0)?;
    map.insert(
        "_sd_alg".to_owned(),
        Value::String(options.sd_alg.name().to_owned()),
    );
    Ok(Issued {
        payload: Value::Object(map),
        disclosures: issuer.disclosures,
    })
}

/// Joins a signed issuer JWT and its disclosures as `<jwt>~<d1>~…~<dn>~` (RFC 9901 §4).
pub fn serialize(issuer_jwt: &str, disclosures: &[String]) -> String {
    let mut out = String::with_capacity(
        issuer_jwt.len() + 1 + disclosures.iter().map(|d| d.len() + 1).sum::<usize>(),
    );
    out.push_str(issuer_jwt);
    out.push('~');
    for d in disclosures {
        out.push_str(d);
        out.push('~');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::sdjwt::disclosure::{self, Disclosure};
    use serde_json::json;

    /// A deterministic byte stream (xorshift) standing in for a CSPRNG.
    fn test_rng(seed: u64) -> impl FnMut(&mut [u8]) {
        let mut state = seed | 1;
        move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
        }
    }

    fn processed(issued: &Issued, alg: HashAlg) -> Value {
        let Value::Object(mut payload) = issued.payload.clone() else {
            unreachable!()
        };
        assert_eq!(payload.remove("_sd_alg"), Some(json!(alg.name())));
        let ds = issued
            .disclosures
            .iter()
            .map(|d| Disclosure::parse(d, alg).unwrap())
            .collect();
        Value::Object(disclosure::process(payload, ds).unwrap())
    }

    #[test]
    fn round_trip_with_decoys_and_nesting() {
        let original = json!({
            "iss": "https://grantex.dev",
            "vc": {"credentialSubject": {"id": "did:x", "principalId": "u", "scopes": ["a", "b"], "grantId": "g"}},
            "address": {"street": "s", "country": "DE"},
        });
        let paths: Vec<ClaimPath> = [
            "vc.credentialSubject.principalId",
            "vc.credentialSubject.scopes.1",
            "vc.credentialSubject.scopes",
            "address",
            "address.street",
        ]
        .into_iter()
        .map(ClaimPath::parse)
        .collect();
        for (seed, alg) in [
            (1, HashAlg::Sha256),
            (2, HashAlg::Sha384),
            (3, HashAlg::Sha512),
        ] {
            let mut rng = test_rng(seed);
            let options = IssueOptions {
                sd_alg: alg,
                ..IssueOptions::default()
            };
            let issued = issue(original.clone(), &paths, &options, &mut rng).unwrap();
            assert_eq!(issued.disclosures.len(), 5);
            assert_eq!(processed(&issued, alg), original);
            let subject = &issued.payload["vc"]["credentialSubject"];
            assert!(subject.get("principalId").is_none() && subject.get("scopes").is_none());
            let sd = subject["_sd"].as_array().unwrap().len();
            assert!((2 + 2..=2 + 5).contains(&sd), "{sd}");
            assert_eq!(issued.payload["address"], Value::Null);
            for d in &issued.disclosures {
                let d = Disclosure::parse(d, alg).unwrap();
                assert_eq!(b64::decode(d.salt.as_bytes()).unwrap().len(), SALT_BYTES);
            }
        }
    }

    #[test]
    fn shuffle_and_decoys_vary() {
        let payload = json!({"a": 1, "b": 2, "c": 3, "d": 4});
        let paths: Vec<ClaimPath> = ["a", "b", "c", "d"]
            .into_iter()
            .map(ClaimPath::parse)
            .collect();
        let mut counts = std::collections::BTreeSet::new();
        let mut first_positions = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let issued = issue(
                payload.clone(),
                &paths,
                &IssueOptions::default(),
                &mut test_rng(seed),
            )
            .unwrap();
            let sd: Vec<&str> = issued.payload["_sd"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            counts.insert(sd.len());
            let first = HashAlg::Sha256.digest_b64(issued.disclosures[0].as_bytes());
            first_positions.insert(sd.iter().position(|d| *d == first).unwrap());
        }
        assert_eq!(counts.into_iter().collect::<Vec<_>>(), [6, 7, 8, 9]);
        assert!(first_positions.len() > 3);
    }

    #[test]
    fn rejected_inputs() {
        let mut rng = test_rng(7);
        let o = IssueOptions::default();
        let code = |p: Value, paths: &[&str], o: &IssueOptions, rng: &mut dyn FnMut(&mut [u8])| {
            let paths: Vec<ClaimPath> = paths.iter().map(|p| ClaimPath::parse(p)).collect();
            issue(p, &paths, o, rng).unwrap_err().code
        };
        assert_eq!(code(json!([1]), &[], &o, &mut rng), ErrorCode::InvalidInput);
        assert_eq!(
            code(json!({"a": 1}), &["b"], &o, &mut rng),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            code(json!({"a": 1}), &["a.b"], &o, &mut rng),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            code(json!({"a": [1]}), &["a.1"], &o, &mut rng),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            code(json!({"_sd": [], "a": 1}), &["a"], &o, &mut rng),
            ErrorCode::InvalidInput
        );
        let inverted = IssueOptions {
            min_decoys: 3,
            max_decoys: 2,
            ..o
        };
        assert_eq!(
            code(json!({"a": 1}), &["a"], &inverted, &mut rng),
            ErrorCode::InvalidInput
        );
        // No disclosable claim: no `_sd`, only `_sd_alg`.
        let issued = issue(json!({"a": 1}), &[], &o, &mut rng).unwrap();
        assert_eq!(issued.payload, json!({"a": 1, "_sd_alg": "sha-256"}));
        assert_eq!(serialize("h.p.s", &[]), "h.p.s~");
        assert_eq!(serialize("h.p.s", &["x".into(), "y".into()]), "h.p.s~x~y~");
    }
}
