//! RustCrypto backend: the only one on wasm32, and a second opinion on native in tests.

use super::{Algorithm, KeyKind, PublicKeyMaterial};
use crate::error::{Error, ErrorCode, Result};
use rsa::{BoxedUint, pkcs1v15, pss};
use sha2::{Sha256, Sha384, Sha512};
use signature::Verifier;

/// Inclusive RSA modulus size range, identical to the native backend's (aws-lc-rs `*_2048_8192_*`).
const RSA_BITS: core::ops::RangeInclusive<usize> = 2048..=8192;

/// RSA verifying keys built once per algorithm, because each RustCrypto verifier owns its public key.
pub(super) struct RsaKeys {
    rs256: pkcs1v15::VerifyingKey<Sha256>,
    rs384: pkcs1v15::VerifyingKey<Sha384>,
    rs512: pkcs1v15::VerifyingKey<Sha512>,
    ps256: pss::VerifyingKey<Sha256>,
    ps384: pss::VerifyingKey<Sha384>,
    ps512: pss::VerifyingKey<Sha512>,
}

pub(super) enum PureKey {
    Rsa(Box<RsaKeys>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

fn rejected(what: &str) -> Error {
    Error::new(
        ErrorCode::InvalidKey,
        format!("{what} rejected by the crypto backend"),
    )
}

impl PureKey {
    pub(super) fn new(material: &PublicKeyMaterial) -> Result<Self> {
        match material {
            PublicKeyMaterial::Rsa { n, e } => {
                let n = BoxedUint::from_be_slice_vartime(n);
                let e = BoxedUint::from_be_slice_vartime(e);
                let key = rsa::PublicKey::new_with_size_limits(n, e, RSA_BITS)
                    .map_err(|_| rejected("RSA key"))?;
                Ok(PureKey::Rsa(Box::new(RsaKeys {
                    rs256: pkcs1v15::VerifyingKey::new(key.clone()),
                    rs384: pkcs1v15::VerifyingKey::new(key.clone()),
                    rs512: pkcs1v15::VerifyingKey::new(key.clone()),
                    ps256: pss::VerifyingKey::new(key.clone()),
                    ps384: pss::VerifyingKey::new(key.clone()),
                    ps512: pss::VerifyingKey::new(key),
                })))
            }
            PublicKeyMaterial::Ec {
                kind: KeyKind::P256,
                point,
            } => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map(PureKey::P256)
                .map_err(|_| rejected("EC key")),
            PublicKeyMaterial::Ec {
                kind: KeyKind::P384,
                point,
            } => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map(PureKey::P384)
                .map_err(|_| rejected("EC key")),
            PublicKeyMaterial::Ec { .. } => Err(rejected("EC key")),
            PublicKeyMaterial::Ed25519 { x } => ed25519_dalek::VerifyingKey::from_bytes(x)
                .map(PureKey::Ed25519)
                .map_err(|_| rejected("Ed25519 key")),
        }
    }

    /// `true` when the signature verifies. The caller has already matched `alg` to the key family.
    pub(super) fn verify(&self, alg: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        match (self, alg) {
            (PureKey::Rsa(keys), Algorithm::RS256) => rsa_pkcs1(&keys.rs256, message, sig),
            (PureKey::Rsa(keys), Algorithm::RS384) => rsa_pkcs1(&keys.rs384, message, sig),
            (PureKey::Rsa(keys), Algorithm::RS512) => rsa_pkcs1(&keys.rs512, message, sig),
            (PureKey::Rsa(keys), Algorithm::PS256) => rsa_pss(&keys.ps256, message, sig),
            (PureKey::Rsa(keys), Algorithm::PS384) => rsa_pss(&keys.ps384, message, sig),
            (PureKey::Rsa(keys), Algorithm::PS512) => rsa_pss(&keys.ps512, message, sig),
            (PureKey::P256(key), Algorithm::ES256) => p256::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
            (PureKey::P384(key), Algorithm::ES384) => p384::ecdsa::Signature::from_slice(sig)
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
            (PureKey::Ed25519(key), Algorithm::EdDSA) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
            _ => false,
        }
    }
}

fn rsa_pkcs1<D>(key: &pkcs1v15::VerifyingKey<D>, message: &[u8], sig: &[u8]) -> bool
where
    pkcs1v15::VerifyingKey<D>: Verifier<pkcs1v15::Signature>,
    D: sha2::Digest,
{
    pkcs1v15::Signature::try_from(sig).is_ok_and(|s| key.verify(message, &s).is_ok())
}

fn rsa_pss<D>(key: &pss::VerifyingKey<D>, message: &[u8], sig: &[u8]) -> bool
where
    pss::VerifyingKey<D>: Verifier<pss::Signature>,
    D: sha2::Digest,
{
    pss::Signature::try_from(sig).is_ok_and(|s| key.verify(message, &s).is_ok())
}
