//! Holder side: choosing disclosures by claim path and appending a key-binding JWT.
//!
//! The holder does not verify the issuer signature here (it received the SD-JWT from its issuer and the
//! verifier checks it anyway); it only decodes what it needs to find disclosures, strictly.

use super::disclosure::{self, Disclosure, HashAlg};
use super::{
    DEFAULT_MAX_DISCLOSURES, DEFAULT_MAX_PRESENTATION_BYTES, TYP_KB_JWT, parse_presentation,
};
use crate::b64;
use crate::crypto::Algorithm;
use crate::error::{Error, ErrorCode, Result};
use crate::jws;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A path to a claim: object member names and, inside arrays, element indices (positions in the issuer's
/// array, counting undisclosed elements).
///
/// Paths start at the payload root. For the Grantex `vc+sd-jwt` profile a path whose first segment is not
/// a root claim is resolved inside `vc`, so `credentialSubject.scopes` works as well as
/// `vc.credentialSubject.scopes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimPath(Vec<String>);

impl ClaimPath {
    /// A path from its segments (array indices as decimal strings).
    pub fn new<I, S>(segments: I) -> ClaimPath
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ClaimPath(segments.into_iter().map(Into::into).collect())
    }

    /// A path from dotted notation, e.g. `address.street_address` or `nationalities.0`.
    pub fn parse(dotted: &str) -> ClaimPath {
        ClaimPath::new(dotted.split('.'))
    }

    /// The segments.
    pub fn segments(&self) -> &[String] {
        &self.0
    }
}

impl From<&str> for ClaimPath {
    fn from(dotted: &str) -> Self {
        ClaimPath::parse(dotted)
    }
}

/// Signs a JWS signing input; implemented by whatever holds the holder's private key (a native key, an
/// HSM, a wallet), so the core stays free of key storage and randomness.
pub trait JwsSigner {
    /// The JWS `alg` the signature is made with.
    fn algorithm(&self) -> Algorithm;
    /// The JWS signature over `signing_input` (for ECDSA the fixed-length `r‖s` form, RFC 7518 §3.4).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>>;
}

fn input_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidInput, message)
}

/// An SD-JWT decoded for the holder: the issuer JWT, its payload, and the disclosures by digest.
struct HolderView<'a> {
    issuer_jwt: &'a str,
    payload: Map<String, Value>,
    hash_alg: HashAlg,
    disclosures: Vec<Disclosure>,
    by_digest: HashMap<String, usize>,
}

impl<'a> HolderView<'a> {
    fn decode(sd_jwt: &'a str) -> Result<HolderView<'a>> {
        let parts = parse_presentation(
            sd_jwt,
            DEFAULT_MAX_PRESENTATION_BYTES,
            DEFAULT_MAX_DISCLOSURES,
        )?;
        if parts.key_binding_jwt.is_some() {
            return Err(input_error(
                "the SD-JWT already ends with a key-binding JWT",
            ));
        }
        let unverified = jws::decode_unverified(parts.issuer_jwt, DEFAULT_MAX_PRESENTATION_BYTES)?;
        let mut payload = unverified.payload;
        let hash_alg = super::take_sd_alg(&mut payload)?;
        let disclosures = parts
            .disclosures()
            .map(|d| Disclosure::parse(d, hash_alg))
            .collect::<Result<Vec<_>>>()?;
        let by_digest = disclosure::index_by_digest(&disclosures)?
            .into_iter()
            .map(|(d, i)| (d.to_owned(), i))
            .collect();
        Ok(HolderView {
            issuer_jwt: parts.issuer_jwt,
            payload,
            hash_alg,
            disclosures,
            by_digest,
        })
    }

    fn lookup(&self, digest: &str) -> Option<(usize, &Disclosure)> {
        let index = *self.by_digest.get(digest)?;
        self.disclosures.get(index).map(|d| (index, d))
    }

    /// Marks the disclosures `path` needs below `value`, then everything under the claim it names.
    fn select(&self, value: &Value, path: &[String], chosen: &mut [bool]) -> Result<()> {
        let Some((segment, rest)) = path.split_first() else {
            return self.select_all(value, chosen, 0);
        };
        match value {
            Value::Object(map) => {
                if segment != "_sd"
                    && let Some(child) = map.get(segment)
                {
                    return self.select(child, rest, chosen);
                }
                for digest in disclosure::sd_digests(map)? {
                    if let Some((index, d)) = self.lookup(digest)
                        && d.name.as_deref() == Some(segment.as_str())
                    {
                        mark(chosen, index);
                        return self.select(&d.value, rest, chosen);
                    }
                }
                Err(input_error(format!(
                    "no claim {segment:?} can be disclosed here"
                )))
            }
            Value::Array(items) => {
                let element = segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .ok_or_else(|| input_error(format!("no array element {segment:?}")))?;
                match disclosure::array_digest(element)? {
                    None => self.select(element, rest, chosen),
                    Some(digest) => match self.lookup(digest) {
                        Some((index, d)) if d.name.is_none() => {
                            mark(chosen, index);
                            self.select(&d.value, rest, chosen)
                        }
                        _ => Err(input_error(format!(
                            "array element {segment} has no disclosure in this SD-JWT"
                        ))),
                    },
                }
            }
            _ => Err(input_error(format!(
                "cannot descend into a scalar at {segment:?}"
            ))),
        }
    }

    /// Marks every disclosure reachable under `value`.
    fn select_all(&self, value: &Value, chosen: &mut [bool], depth: usize) -> Result<()> {
        if depth > disclosure::MAX_DEPTH {
            return Err(Error::new(
                ErrorCode::InvalidCredential,
                "claims are nested too deeply",
            ));
        }
        match value {
            Value::Object(map) => {
                for digest in disclosure::sd_digests(map)? {
                    if let Some((index, d)) = self.lookup(digest) {
                        mark(chosen, index);
                        self.select_all(&d.value, chosen, depth + 1)?;
                    }
                }
                for (name, child) in map {
                    if name != "_sd" {
                        self.select_all(child, chosen, depth + 1)?;
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    match disclosure::array_digest(item)? {
                        None => self.select_all(item, chosen, depth + 1)?,
                        Some(digest) => {
                            if let Some((index, d)) = self.lookup(digest) {
                                mark(chosen, index);
                                self.select_all(&d.value, chosen, depth + 1)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn present(&self, disclose: &[ClaimPath]) -> Result<String> {
        let mut chosen = vec![false; self.disclosures.len()];
        let root = Value::Object(self.payload.clone());
        for path in disclose {
            let segments = path.segments();
            let at_root = segments
                .first()
                .is_some_and(|first| self.resolvable_at_root(first));
            match (at_root, self.payload.get("vc")) {
                (false, Some(vc @ Value::Object(_))) => self.select(vc, segments, &mut chosen)?,
                _ => self.select(&root, segments, &mut chosen)?,
            }
        }
        let mut out =
            String::with_capacity(self.issuer_jwt.len() + 1 + 100 * self.disclosures.len());
        out.push_str(self.issuer_jwt);
        out.push('~');
        for (d, _) in self.disclosures.iter().zip(&chosen).filter(|(_, c)| **c) {
            out.push_str(&d.encoded);
            out.push('~');
        }
        Ok(out)
    }

    fn resolvable_at_root(&self, name: &str) -> bool {
        self.payload.contains_key(name)
            || disclosure::sd_digests(&self.payload).is_ok_and(|digests| {
                digests.iter().any(|d| {
                    self.lookup(d)
                        .is_some_and(|(_, d)| d.name.as_deref() == Some(name))
                })
            })
    }
}

fn mark(chosen: &mut [bool], index: usize) {
    if let Some(slot) = chosen.get_mut(index) {
        *slot = true;
    }
}

/// Builds a presentation `<jwt>~<d>~…~` from an SD-JWT as issued (`<jwt>~<d1>~…~<dn>~`), keeping only the
/// disclosures the claims at `disclose` need: those on the way to each claim (a nested claim brings its
/// parents) and every disclosure inside it. Disclosures keep their issued order; none is repeated. With no
/// paths the result is `<jwt>~` (never upstream's `<jwt>~~`).
///
/// [`ErrorCode::InvalidInput`] when a path names no claim that is visible or disclosable in this SD-JWT.
pub fn present(sd_jwt: &str, disclose: &[ClaimPath]) -> Result<String> {
    HolderView::decode(sd_jwt)?.present(disclose)
}

/// [`present`], then appends a key-binding JWT (RFC 9901 §4.3) signed by `signer` with `typ: kb+jwt` and
/// the claims `iat`, `aud`, `nonce` and `sd_hash` (over the presentation, with the credential's `_sd_alg`).
pub fn present_with_key_binding(
    sd_jwt: &str,
    disclose: &[ClaimPath],
    signer: &dyn JwsSigner,
    nonce: &str,
    audience: &str,
    iat: u64,
) -> Result<String> {
    let view = HolderView::decode(sd_jwt)?;
    let mut presentation = view.present(disclose)?;
    let header = serde_json::json!({"alg": signer.algorithm().name(), "typ": TYP_KB_JWT});
    let payload = serde_json::json!({
        "iat": iat,
        "aud": audience,
        "nonce": nonce,
        "sd_hash": view.hash_alg.digest_b64(presentation.as_bytes()),
    });
    let mut kb = b64::encode(header.to_string().as_bytes());
    kb.push('.');
    kb.push_str(&b64::encode(payload.to_string().as_bytes()));
    let signature = signer.sign(kb.as_bytes())?;
    kb.push('.');
    kb.push_str(&b64::encode(&signature));
    presentation.push_str(&kb);
    Ok(presentation)
}
