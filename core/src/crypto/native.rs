//! aws-lc-rs backend: keys are parsed into `ParsedPublicKey`s once, when the key set is built.

use super::{Algorithm, KeyKind, PublicKeyMaterial};
use crate::error::{Error, ErrorCode, Result};
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaParameters, RsaPublicKeyComponents};

const RSA_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

fn rsa_parameters(alg: Algorithm) -> Option<&'static RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn rsa_slot(alg: Algorithm) -> Option<usize> {
    RSA_ALGORITHMS.iter().position(|a| *a == alg)
}

/// A key pre-parsed for every algorithm it may verify.
pub(super) enum NativeKey {
    /// One parsed key per RSA algorithm (aws-lc-rs binds padding and digest to the parsed key).
    Rsa(Box<[Option<ParsedPublicKey>; 6]>),
    /// ECDSA P-256 or P-384 with fixed-length (`r‖s`) signatures.
    Ec(ParsedPublicKey),
    /// Ed25519.
    Ed25519(ParsedPublicKey),
}

fn rejected(what: &str) -> Error {
    Error::new(
        ErrorCode::InvalidKey,
        format!("{what} rejected by the crypto backend"),
    )
}

impl NativeKey {
    pub(super) fn new(
        material: &PublicKeyMaterial,
        algorithms: Option<&[Algorithm]>,
    ) -> Result<Self> {
        match material {
            PublicKeyMaterial::Rsa { n, e } => {
                let components = RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                };
                let mut slots: Box<[Option<ParsedPublicKey>; 6]> = Box::default();
                for (slot, alg) in slots.iter_mut().zip(RSA_ALGORITHMS) {
                    if algorithms.is_some_and(|allowed| !allowed.contains(&alg)) {
                        continue;
                    }
                    let Some(params) = rsa_parameters(alg) else {
                        continue;
                    };
                    let parsed = components
                        .to_parsed_public_key(params)
                        .map_err(|_| rejected("RSA key"))?;
                    *slot = Some(parsed);
                }
                Ok(NativeKey::Rsa(slots))
            }
            PublicKeyMaterial::Ec { kind, point } => {
                let alg: &'static signature::EcdsaVerificationAlgorithm = match kind {
                    KeyKind::P256 => &signature::ECDSA_P256_SHA256_FIXED,
                    KeyKind::P384 => &signature::ECDSA_P384_SHA384_FIXED,
                    _ => return Err(rejected("EC key")),
                };
                let parsed = ParsedPublicKey::new(alg, point).map_err(|_| rejected("EC key"))?;
                Ok(NativeKey::Ec(parsed))
            }
            PublicKeyMaterial::Ed25519 { x } => {
                let parsed = ParsedPublicKey::new(&signature::ED25519, x)
                    .map_err(|_| rejected("Ed25519 key"))?;
                Ok(NativeKey::Ed25519(parsed))
            }
        }
    }

    /// `Ok(true)` when the signature verifies, `Ok(false)` when it does not, `Err` when `alg` was excluded
    /// from this key at load time.
    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> Result<bool> {
        let key = match self {
            NativeKey::Rsa(slots) => rsa_slot(alg)
                .and_then(|i| slots.get(i))
                .and_then(Option::as_ref),
            NativeKey::Ec(key) | NativeKey::Ed25519(key) => Some(key),
        };
        match key {
            Some(key) => Ok(key.verify_sig(message, sig).is_ok()),
            None => Err(Error::new(
                ErrorCode::InvalidKey,
                format!("key is not usable with {alg}"),
            )),
        }
    }
}
