//! Signature verification behind one interface, with two backends chosen by target.
//!
//! * **Native** (every target but wasm32): aws-lc-rs with keys parsed once into `ParsedPublicKey`s, so a
//!   verification is only the public-key operation.
//! * **Pure Rust** (wasm32, and on native with the `pure-rust` feature): the RustCrypto crates.
//!
//! The backend is a value ([`Backend`]) chosen when a key is built, not a cargo feature that could be
//! flipped by feature unification: the default is fixed by `cfg(target_arch)`, and the pure-Rust backend
//! exists on native only so the same test suite can prove both on the same cases.

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
mod pure;

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// JWS signature algorithms (RFC 7518 §3, RFC 8037). Symmetric algorithms and `none` do not exist here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(clippy::upper_case_acronyms)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 — the grant-token algorithm.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
    PS256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt.
    PS384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt.
    PS512,
    /// ECDSA on P-256 with SHA-256, signature as `r‖s` (64 bytes).
    ES256,
    /// ECDSA on P-384 with SHA-384, signature as `r‖s` (96 bytes).
    ES384,
    /// Ed25519 (RFC 8037 `EdDSA` with `crv: Ed25519`).
    EdDSA,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The JOSE `alg` name.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Looks up an `alg` name (exact, case-sensitive as RFC 7515 requires).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// [`Algorithm::from_name`] for callers that answer with an error: an unknown name is
    /// `UNSUPPORTED_ALGORITHM`.
    pub fn parse(name: &str) -> Result<Algorithm> {
        Algorithm::from_name(name).ok_or_else(|| {
            Error::new(
                ErrorCode::UnsupportedAlgorithm,
                format!("unknown algorithm {name:?}"),
            )
        })
    }

    /// The key family this algorithm needs.
    pub const fn key_kind(self) -> KeyKind {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyKind::Rsa,
            Algorithm::ES256 => KeyKind::P256,
            Algorithm::ES384 => KeyKind::P384,
            Algorithm::EdDSA => KeyKind::Ed25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The family of a public key, which decides the algorithms it can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA (RS*, PS*).
    Rsa,
    /// EC P-256 (ES256).
    P256,
    /// EC P-384 (ES384).
    P384,
    /// OKP Ed25519 (EdDSA).
    Ed25519,
}

/// Public-key material as it comes out of a JWK, already checked for shape (lengths, no leading zeros).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyMaterial {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
    /// An uncompressed EC point (`0x04 ‖ x ‖ y`) on P-256 or P-384.
    Ec {
        /// The curve.
        kind: KeyKind,
        /// SEC1 uncompressed point.
        point: Vec<u8>,
    },
    /// A 32-byte Ed25519 public key.
    Ed25519 {
        /// The key bytes.
        x: [u8; 32],
    },
}

impl PublicKeyMaterial {
    /// The key family.
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKeyMaterial::Rsa { .. } => KeyKind::Rsa,
            PublicKeyMaterial::Ec { kind, .. } => *kind,
            PublicKeyMaterial::Ed25519 { .. } => KeyKind::Ed25519,
        }
    }
}

/// Which implementation verifies signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// aws-lc-rs with pre-parsed keys (native targets only).
    #[cfg(not(target_arch = "wasm32"))]
    Native,
    /// The RustCrypto crates (always on wasm32; on native with the `pure-rust` feature).
    #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
    PureRust,
}

impl Backend {
    /// The backend used unless a caller asks for another: native where it exists, pure Rust on wasm32.
    #[cfg(not(target_arch = "wasm32"))]
    pub const DEFAULT: Backend = Backend::Native;
    /// The backend used unless a caller asks for another: native where it exists, pure Rust on wasm32.
    #[cfg(target_arch = "wasm32")]
    pub const DEFAULT: Backend = Backend::PureRust;

    /// Every backend compiled into this build.
    pub fn available() -> Vec<Backend> {
        vec![
            #[cfg(not(target_arch = "wasm32"))]
            Backend::Native,
            #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
            Backend::PureRust,
        ]
    }

    /// A short name for reports (`"aws-lc-rs"` or `"rustcrypto"`).
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            Backend::Native => "aws-lc-rs",
            #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
            Backend::PureRust => "rustcrypto",
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::DEFAULT
    }
}

/// A public key parsed once for one backend, ready to verify many signatures.
pub struct VerifyingKey {
    kind: KeyKind,
    inner: Inner,
}

enum Inner {
    #[cfg(not(target_arch = "wasm32"))]
    Native(native::NativeKey),
    #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
    Pure(pure::PureKey),
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Parses key material for `backend`, restricted to `algorithms` (all of its family when `None`).
    ///
    /// Fails with [`ErrorCode::InvalidKey`] when the backend rejects the key (e.g. a point not on the curve).
    pub fn new(
        backend: Backend,
        material: &PublicKeyMaterial,
        algorithms: Option<&[Algorithm]>,
    ) -> Result<Self> {
        let kind = material.kind();
        // The pure-Rust keys verify every algorithm of their family; only aws-lc-rs binds one per key.
        #[cfg(target_arch = "wasm32")]
        let _ = algorithms;
        let inner = match backend {
            #[cfg(not(target_arch = "wasm32"))]
            Backend::Native => Inner::Native(native::NativeKey::new(material, algorithms)?),
            #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
            Backend::PureRust => Inner::Pure(pure::PureKey::new(material)?),
        };
        Ok(VerifyingKey { kind, inner })
    }

    /// The key family.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Verifies `signature` over `message` with `alg`.
    ///
    /// [`ErrorCode::InvalidKey`] if `alg` does not fit this key; [`ErrorCode::InvalidSignature`] otherwise
    /// on any failure (wrong length, bad encoding, mismatch) — callers learn nothing else on purpose.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> Result<()> {
        if alg.key_kind() != self.kind {
            return Err(Error::new(
                ErrorCode::InvalidKey,
                format!("a {:?} key cannot verify {alg}", self.kind),
            ));
        }
        let ok = match &self.inner {
            #[cfg(not(target_arch = "wasm32"))]
            Inner::Native(key) => key.verify(alg, message, signature)?,
            #[cfg(any(target_arch = "wasm32", feature = "pure-rust"))]
            Inner::Pure(key) => key.verify(alg, message, signature),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::InvalidSignature,
                "signature verification failed",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Algorithm;
    use crate::error::ErrorCode;

    #[test]
    fn parse_names_exactly() {
        for algorithm in Algorithm::ALL {
            assert_eq!(Algorithm::parse(algorithm.name()), Ok(algorithm));
        }
        for name in ["rs256", "HS256", "none", ""] {
            let error = Algorithm::parse(name).err();
            assert_eq!(
                error.map(|e| e.code),
                Some(ErrorCode::UnsupportedAlgorithm),
                "{name:?}"
            );
        }
    }
}
