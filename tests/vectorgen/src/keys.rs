//! The checked-in test keys (`tests/vectors/keys/*.pem`): loading, public JWKs and deterministic signing.
//!
//! Every signature the generator makes is a pure function of (key, algorithm, signing input, case name),
//! so the vector file never drifts:
//!
//! * RS256 — RSASSA-PKCS1-v1_5 is deterministic. Signed with aws-lc-rs; at load time every RSA key that
//!   aws-lc-rs accepts also signs a probe with RustCrypto `rsa` and the two signatures must be identical.
//!   The 1024-bit key is below aws-lc-rs' minimum, so it signs with RustCrypto only.
//! * PS256 — RSASSA-PSS is randomized by its 32-byte salt. The salt (and RSA blinding, which does not
//!   change the output) comes from [`SeededRng`], a SHA-256 counter-mode stream seeded with the case
//!   name: still a valid PSS signature, just with a reproducible salt.
//! * ES256 / ES384 — RustCrypto `p256`/`p384` sign with RFC 6979 deterministic nonces (no extra entropy).
//! * EdDSA — Ed25519 is deterministic (aws-lc-rs).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair, RsaKeyPair};
use base64::Engine as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::rand_core::{TryCryptoRng, TryRng};
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
use std::convert::Infallible;
use std::path::Path;

/// The JWS algorithms the generator signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 SHA-256.
    RS256,
    /// RSASSA-PSS SHA-256, MGF1-SHA-256, 32-byte salt.
    PS256,
    /// ECDSA P-256 SHA-256, `r‖s`.
    ES256,
    /// ECDSA P-384 SHA-384, `r‖s`.
    ES384,
    /// Ed25519.
    EdDSA,
}

enum Inner {
    Rsa {
        aws: Option<RsaKeyPair>,
        rc: rsa::PrivateKey,
    },
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(Ed25519KeyPair),
}

/// One private test key.
pub struct TestKey {
    /// File name under `tests/vectors/keys/`.
    pub file: &'static str,
    inner: Inner,
}

/// Unpadded base64url.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER inside a PEM file (first block).
fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap_or_else(|e| fail(&format!("bad PEM: {e}")))
}

/// Big-endian bytes without leading zero octets (RFC 7518 §6.3.1).
fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes.get(first..).unwrap_or(bytes)
}

/// Stops the generator with a message (it is a tool: failing loudly is the right thing).
pub fn fail(message: &str) -> ! {
    eprintln!("grantex-vectorgen: {message}");
    std::process::exit(1)
}

impl TestKey {
    /// Loads `dir/file` (PKCS#8 PEM) as an RSA key.
    pub fn rsa(dir: &Path, file: &'static str) -> TestKey {
        let pem = read(dir, file);
        let der = pem_to_der(&pem);
        let rc =
            rsa::PrivateKey::from_pkcs8_der(&der).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        let aws = if rc.size() >= 256 {
            Some(RsaKeyPair::from_pkcs8(&der).unwrap_or_else(|e| fail(&format!("{file}: {e}"))))
        } else {
            None
        };
        let key = TestKey {
            file,
            inner: Inner::Rsa { aws, rc },
        };
        key.cross_check_rs256();
        key
    }

    /// Loads an EC P-256 key.
    pub fn p256(dir: &Path, file: &'static str) -> TestKey {
        let der = pem_to_der(&read(dir, file));
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(&der)
            .unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        TestKey {
            file,
            inner: Inner::P256(key),
        }
    }

    /// Loads an EC P-384 key.
    pub fn p384(dir: &Path, file: &'static str) -> TestKey {
        let der = pem_to_der(&read(dir, file));
        let key = p384::ecdsa::SigningKey::from_pkcs8_der(&der)
            .unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        TestKey {
            file,
            inner: Inner::P384(key),
        }
    }

    /// Loads an Ed25519 key.
    pub fn ed25519(dir: &Path, file: &'static str) -> TestKey {
        let der = pem_to_der(&read(dir, file));
        let key =
            Ed25519KeyPair::from_pkcs8(&der).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        TestKey {
            file,
            inner: Inner::Ed25519(key),
        }
    }

    /// RS256 with aws-lc-rs and with RustCrypto must give the same bytes.
    fn cross_check_rs256(&self) {
        let Inner::Rsa { aws: Some(_), rc } = &self.inner else {
            return;
        };
        let probe = b"grantex-vectorgen cross-check";
        let ours = self.sign(Alg::RS256, probe, "cross-check");
        let theirs = rsa::pkcs1v15::SigningKey::<Sha256>::new(rc.clone())
            .sign_with_rng(&mut SeededRng::new("cross-check"), probe)
            .to_vec();
        if ours != theirs {
            fail(&format!(
                "{}: aws-lc-rs and RustCrypto RS256 signatures differ",
                self.file
            ));
        }
    }

    /// The public JWK members (`kty` and key material only), in RFC 7638 member order.
    pub fn public_jwk(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_owned(), Value::String(v));
        };
        match &self.inner {
            Inner::Rsa { rc, .. } => {
                put("e", b64(strip_zeros(&rc.e_bytes())));
                put("kty", "RSA".to_owned());
                put("n", b64(strip_zeros(&rc.n_bytes())));
            }
            Inner::P256(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                let bytes = point.as_bytes();
                put("crv", "P-256".to_owned());
                put("kty", "EC".to_owned());
                put("x", b64(bytes.get(1..33).unwrap_or_default()));
                put("y", b64(bytes.get(33..65).unwrap_or_default()));
            }
            Inner::P384(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                let bytes = point.as_bytes();
                put("crv", "P-384".to_owned());
                put("kty", "EC".to_owned());
                put("x", b64(bytes.get(1..49).unwrap_or_default()));
                put("y", b64(bytes.get(49..97).unwrap_or_default()));
            }
            Inner::Ed25519(k) => {
                put("crv", "Ed25519".to_owned());
                put("kty", "OKP".to_owned());
                put("x", b64(k.public_key().as_ref()));
            }
        }
        m
    }

    /// The RSA private exponent `d` as base64url (for a deliberately broken JWK that leaks it).
    pub fn rsa_private_exponent(&self) -> String {
        match &self.inner {
            Inner::Rsa { rc, .. } => b64(strip_zeros(&rc.d().to_be_bytes())),
            _ => fail(&format!("{} is not an RSA key", self.file)),
        }
    }

    /// The RSA public key as an SPKI PEM document (what an HS256 key-confusion attacker uses as secret).
    pub fn rsa_spki_pem(&self) -> String {
        use aws_lc_rs::encoding::AsDer as _;
        let Inner::Rsa { aws: Some(k), .. } = &self.inner else {
            fail(&format!("{} has no aws-lc-rs RSA key", self.file))
        };
        let der = k
            .public_key()
            .as_der()
            .unwrap_or_else(|_| fail("SPKI encoding failed"));
        let text = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in text.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// Signs `input` with `alg`. `case` seeds the PS256 salt.
    pub fn sign(&self, alg: Alg, input: &[u8], case: &str) -> Vec<u8> {
        match (&self.inner, alg) {
            (Inner::Rsa { aws: Some(k), .. }, Alg::RS256) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new(); // ignored by aws-lc-rs for PKCS#1 v1.5
                k.sign(
                    &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                    &rng,
                    input,
                    &mut sig,
                )
                .unwrap_or_else(|_| fail(&format!("{}: RS256 signing failed", self.file)));
                sig
            }
            (Inner::Rsa { aws: None, rc }, Alg::RS256) => {
                rsa::pkcs1v15::SigningKey::<Sha256>::new(rc.clone())
                    .sign_with_rng(&mut SeededRng::new(case), input)
                    .to_vec()
            }
            (Inner::Rsa { rc, .. }, Alg::PS256) => rsa::pss::SigningKey::<Sha256>::new(rc.clone())
                .sign_with_rng(&mut SeededRng::new(case), input)
                .to_vec(),
            (Inner::P256(k), Alg::ES256) => {
                let sig: p256::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
            (Inner::P384(k), Alg::ES384) => {
                let sig: p384::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
            (Inner::Ed25519(k), Alg::EdDSA) => k.sign(input).as_ref().to_vec(),
            (_, alg) => fail(&format!("{} cannot sign {alg:?}", self.file)),
        }
    }
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| fail(&format!("{}: {e}", dir.join(file).display())))
}

/// A reproducible byte stream: SHA-256("grantex-vectorgen seeded rng" ‖ 0x00 ‖ seed ‖ 0x00 ‖ counter).
///
/// Used only where a signature scheme asks for randomness (the PSS salt, RSA blinding) so that the vector
/// file is reproducible. Never use such a generator for real keys or signatures.
pub struct SeededRng {
    seed: Vec<u8>,
    counter: u64,
    buffer: Vec<u8>,
}

impl SeededRng {
    /// A stream seeded with `seed`.
    pub fn new(seed: &str) -> Self {
        SeededRng {
            seed: seed.as_bytes().to_vec(),
            counter: 0,
            buffer: Vec::new(),
        }
    }

    fn fill(&mut self, dst: &mut [u8]) {
        for byte in dst.iter_mut() {
            if self.buffer.is_empty() {
                let mut h = Sha256::new();
                h.update(b"grantex-vectorgen seeded rng\0");
                h.update(&self.seed);
                h.update(b"\0");
                h.update(self.counter.to_be_bytes());
                self.counter += 1;
                self.buffer = h.finalize().to_vec();
                self.buffer.reverse();
            }
            *byte = self.buffer.pop().unwrap_or_default();
        }
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}
