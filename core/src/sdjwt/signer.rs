//! A [`JwsSigner`] over aws-lc-rs private keys, for native targets (holders and issuers that keep their key
//! in process). On wasm32 callers bring their own signer (WebCrypto, a wallet).
//!
//! ECDSA and RSA-PSS signatures take their nonce or salt from aws-lc's internal DRBG: the one place where
//! this core uses entropy it was not handed, confined to this type.

use super::present::JwsSigner;
use crate::b64;
use crate::crypto::{Algorithm, KeyKind};
use crate::error::{Error, ErrorCode, Result};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{Map, Value, json};
use std::fmt;

enum Key {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// A private key bound to one JWS algorithm.
pub struct NativeSigner {
    alg: Algorithm,
    key: Key,
}

impl fmt::Debug for NativeSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeSigner")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidKey, message)
}

fn rejected(what: &str) -> Error {
    invalid(format!("{what} rejected by the crypto backend"))
}

fn ecdsa_signing(alg: Algorithm) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    match alg {
        Algorithm::ES256 => Some(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => Some(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        _ => None,
    }
}

fn rsa_padding(alg: Algorithm) -> Option<&'static dyn signature::RsaEncoding> {
    match alg {
        Algorithm::RS256 => Some(&signature::RSA_PKCS1_SHA256),
        Algorithm::RS384 => Some(&signature::RSA_PKCS1_SHA384),
        Algorithm::RS512 => Some(&signature::RSA_PKCS1_SHA512),
        Algorithm::PS256 => Some(&signature::RSA_PSS_SHA256),
        Algorithm::PS384 => Some(&signature::RSA_PSS_SHA384),
        Algorithm::PS512 => Some(&signature::RSA_PSS_SHA512),
        _ => None,
    }
}

impl NativeSigner {
    /// Loads an unencrypted PKCS#8 (DER) private key for `alg`. RSA keys must have at least
    /// [`crate::jwk::MIN_RSA_BITS`] bits, like the keys this library verifies with.
    pub fn from_pkcs8(alg: Algorithm, der: &[u8]) -> Result<NativeSigner> {
        let key = match alg.key_kind() {
            KeyKind::P256 | KeyKind::P384 => {
                let signing =
                    ecdsa_signing(alg).ok_or_else(|| invalid(format!("{alg} is not ECDSA")))?;
                Key::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(signing, der)
                        .map_err(|_| rejected("EC private key"))?,
                )
            }
            KeyKind::Ed25519 => Key::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                    .map_err(|_| rejected("Ed25519 private key"))?,
            ),
            KeyKind::Rsa => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| rejected("RSA private key"))?;
                if pair.public_modulus_len() * 8 < crate::jwk::MIN_RSA_BITS {
                    return Err(invalid(format!(
                        "RSA keys need at least {} bits",
                        crate::jwk::MIN_RSA_BITS
                    )));
                }
                Key::Rsa(pair)
            }
        };
        Ok(NativeSigner { alg, key })
    }

    /// Loads a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) private key for `alg`.
    pub fn from_pkcs8_pem(alg: Algorithm, pem: &str) -> Result<NativeSigner> {
        let mut body = String::with_capacity(pem.len());
        let mut inside = false;
        for line in pem.lines().map(str::trim) {
            match line {
                "-----BEGIN PRIVATE KEY-----" => inside = true,
                "-----END PRIVATE KEY-----" => break,
                _ if inside => body.push_str(line),
                _ => {}
            }
        }
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|_| invalid("not a PKCS#8 PEM private key"))?;
        NativeSigner::from_pkcs8(alg, &der)
    }

    /// Loads a private JWK: EC P-256/P-384 (`d`, `x`, `y`) or OKP Ed25519 (`d`, `x`). The algorithm is the
    /// JWK's `alg` if present, else ES256, ES384 or EdDSA by curve. RSA private keys load from PKCS#8 only.
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<NativeSigner> {
        let member = |name: &str| -> Result<Vec<u8>> {
            let text = jwk
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("private JWK lacks {name:?}")))?;
            b64::decode(text.as_bytes())
                .ok_or_else(|| invalid(format!("JWK member {name:?} is not strict base64url")))
        };
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        let (default_alg, kind) = match (text("kty"), text("crv")) {
            (Some("EC"), Some("P-256")) => (Algorithm::ES256, KeyKind::P256),
            (Some("EC"), Some("P-384")) => (Algorithm::ES384, KeyKind::P384),
            (Some("OKP"), Some("Ed25519")) => (Algorithm::EdDSA, KeyKind::Ed25519),
            (Some("RSA"), _) => {
                return Err(invalid("RSA private JWKs are not supported; use PKCS#8"));
            }
            _ => {
                return Err(invalid(
                    "unsupported private JWK (EC P-256/P-384 or OKP Ed25519 expected)",
                ));
            }
        };
        let alg = match text("alg") {
            None => default_alg,
            Some(name) => Algorithm::from_name(name)
                .filter(|a| a.key_kind() == kind)
                .ok_or_else(|| invalid(format!("JWK \"alg\" {name:?} does not fit the key")))?,
        };
        let d = member("d")?;
        let x = member("x")?;
        let key = match kind {
            KeyKind::Ed25519 => Key::Ed25519(
                Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                    .map_err(|_| rejected("Ed25519 private key"))?,
            ),
            _ => {
                let y = member("y")?;
                let point = [&[0x04u8][..], &x, &y].concat();
                let signing =
                    ecdsa_signing(alg).ok_or_else(|| invalid(format!("{alg} is not ECDSA")))?;
                Key::Ecdsa(
                    EcdsaKeyPair::from_private_key_and_public_key(signing, &d, &point)
                        .map_err(|_| rejected("EC private key"))?,
                )
            }
        };
        Ok(NativeSigner { alg, key })
    }

    /// The public JWK (`kty`, `crv`/`n`/`e`, `x`/`y`, `alg`), e.g. for a credential's `cnf.jwk`.
    pub fn public_jwk(&self) -> Value {
        let alg = self.alg.name();
        match &self.key {
            Key::Ecdsa(k) => {
                let point = k.public_key().as_ref();
                let half = point.len().saturating_sub(1) / 2;
                let x = point.get(1..1 + half).unwrap_or_default();
                let y = point.get(1 + half..).unwrap_or_default();
                let crv = if self.alg == Algorithm::ES384 {
                    "P-384"
                } else {
                    "P-256"
                };
                json!({"kty": "EC", "crv": crv, "x": b64::encode(x), "y": b64::encode(y), "alg": alg})
            }
            Key::Ed25519(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(k.public_key().as_ref()), "alg": alg})
            }
            Key::Rsa(k) => {
                // aws-lc-rs exposes the public key only as PKCS#1 DER without its `ring-io` feature.
                let (n, e) = rsa_public_der(k.public_key().as_ref()).unwrap_or_default();
                json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e), "alg": alg})
            }
        }
    }
}

/// One DER TLV with the given tag: its content and what follows. Short and long (≤ 4 bytes) lengths.
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *input.first()? != tag {
        return None;
    }
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let len = input
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    Some((
        input.get(header..header.checked_add(len)?)?,
        input.get(header + len..)?,
    ))
}

fn strip_zeros(v: &[u8]) -> &[u8] {
    v.get(v.iter().take_while(|b| **b == 0).count()..)
        .unwrap_or_default()
}

/// `n` and `e` of a PKCS#1 `RSAPublicKey`, without the sign octet.
fn rsa_public_der(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (sequence, _) = der_tlv(der, 0x30)?;
    let (n, rest) = der_tlv(sequence, 0x02)?;
    let (e, _) = der_tlv(rest, 0x02)?;
    Some((strip_zeros(n), strip_zeros(e)))
}

impl JwsSigner for NativeSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        let failed = || Error::new(ErrorCode::Internal, "signing failed");
        match &self.key {
            Key::Ecdsa(k) => Ok(k
                .sign(&SystemRandom::new(), signing_input)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec()),
            Key::Ed25519(k) => Ok(k.sign(signing_input).as_ref().to_vec()),
            Key::Rsa(k) => {
                let padding = rsa_padding(self.alg).ok_or_else(failed)?;
                let mut out = vec![0u8; k.public_modulus_len()];
                k.sign(padding, &SystemRandom::new(), signing_input, &mut out)
                    .map_err(|_| failed())?;
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::crypto::Backend;
    use crate::jwk::Jwk;

    const KEYS: [(Algorithm, &str); 4] = [
        (
            Algorithm::ES256,
            include_str!("../../../tests/vectors/keys/ec-p256.pem"),
        ),
        (
            Algorithm::ES384,
            include_str!("../../../tests/vectors/keys/ec-p384.pem"),
        ),
        (
            Algorithm::EdDSA,
            include_str!("../../../tests/vectors/keys/ed25519.pem"),
        ),
        (
            Algorithm::PS256,
            include_str!("../../../tests/vectors/keys/rsa-2048-b.pem"),
        ),
    ];

    #[test]
    fn signatures_verify_with_the_public_jwk() {
        for (alg, pem) in KEYS.into_iter().chain([(
            Algorithm::RS256,
            include_str!("../../../tests/vectors/keys/rsa-2048-b.pem"),
        )]) {
            let signer = NativeSigner::from_pkcs8_pem(alg, pem).unwrap();
            assert_eq!(signer.algorithm(), alg);
            let jwk = Jwk::from_map(signer.public_jwk().as_object().unwrap()).unwrap();
            let signature = signer.sign(b"header.payload").unwrap();
            for backend in Backend::available() {
                let key = jwk.verifying_key(backend).unwrap();
                key.verify(alg, b"header.payload", &signature).unwrap();
                assert!(key.verify(alg, b"header.payloaX", &signature).is_err());
            }
        }
    }

    #[test]
    fn private_jwks() {
        // The RFC 9901 example holder key.
        let jwk = json!({"kty": "EC", "crv": "P-256", "d": "5K5SCos8zf9zRemGGUl6yfok-_NiiryNZsvANWMhF-I",
            "x": "TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc", "y": "ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ"});
        let signer = NativeSigner::from_jwk(jwk.as_object().unwrap()).unwrap();
        assert_eq!(signer.algorithm(), Algorithm::ES256);
        assert_eq!(signer.public_jwk()["x"], jwk["x"]);
        // A wrong `d` for the public point is refused.
        let mut bad = jwk.clone();
        bad["d"] = json!("Ur2bNKuBPOrAaxsRnbSH6hIhmNTxSGXshDSUD1a1y7g");
        assert_eq!(
            NativeSigner::from_jwk(bad.as_object().unwrap())
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        let mut wrong_alg = jwk.clone();
        wrong_alg["alg"] = json!("EdDSA");
        assert_eq!(
            NativeSigner::from_jwk(wrong_alg.as_object().unwrap())
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        let rsa = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB"});
        assert_eq!(
            NativeSigner::from_jwk(rsa.as_object().unwrap())
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        // Ed25519 from seed: round trip through PKCS#8-derived public key.
        let ed = NativeSigner::from_pkcs8_pem(Algorithm::EdDSA, KEYS[2].1).unwrap();
        let x = ed.public_jwk()["x"].clone();
        let wrong_seed =
            json!({"kty": "OKP", "crv": "Ed25519", "d": b64::encode(&[7u8; 32]), "x": x});
        assert_eq!(
            NativeSigner::from_jwk(wrong_seed.as_object().unwrap())
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
    }

    #[test]
    fn weak_or_mismatched_keys() {
        let rsa1024 = include_str!("../../../tests/vectors/keys/rsa-1024.pem");
        assert_eq!(
            NativeSigner::from_pkcs8_pem(Algorithm::RS256, rsa1024)
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        assert_eq!(
            NativeSigner::from_pkcs8_pem(Algorithm::ES256, KEYS[1].1)
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        assert_eq!(
            NativeSigner::from_pkcs8_pem(Algorithm::RS256, KEYS[0].1)
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
        assert_eq!(
            NativeSigner::from_pkcs8_pem(Algorithm::ES256, "garbage")
                .unwrap_err()
                .code,
            ErrorCode::InvalidKey
        );
    }
}
