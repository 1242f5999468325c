#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Project Wycheproof signature vectors against the signature layer (`VerifyingKey::verify`), for every
//! crypto backend compiled into this build.
//!
//! The vectors live outside the repository: `<workspace>/../shared/vectors/wycheproof` by default, or the
//! directory named by `GRANTEX_WYCHEPROOF_DIR`. A missing directory is a failure, not a skip.
//!
//! Every group's public key is built the way a JWKS key would be (our JWK rules, then the backend); a
//! group without a JWK gets its key from the raw fields. A key that our rules or the backend refuse counts
//! as a rejection of all its tests. Every `valid` test must be accepted (unless listed in
//! [`VALID_BUT_REFUSED_BY_POLICY`]), every `invalid` one rejected, and every `acceptable` one decided the
//! same way by all backends.
//!
//! `cargo test -p grantex-core --features pure-rust --test wycheproof -- --nocapture` covers both backends.

use grantex_core::crypto::{Algorithm, Backend, KeyKind, PublicKeyMaterial, VerifyingKey};
use grantex_core::jwk::Jwk;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// File → JWS algorithm (the table of the Wycheproof README). A file not listed here fails the test, so a
/// new vector file cannot be silently ignored.
const FILES: [(&str, Algorithm); 7] = [
    ("ecdsa_secp256r1_sha256_p1363_test.json", Algorithm::ES256),
    ("ecdsa_secp384r1_sha384_p1363_test.json", Algorithm::ES384),
    ("ed25519_test.json", Algorithm::EdDSA),
    ("rsa_pss_2048_sha256_mgf1_32_test.json", Algorithm::PS256),
    ("rsa_signature_2048_sha256_test.json", Algorithm::RS256),
    ("rsa_signature_3072_sha256_test.json", Algorithm::RS256),
    ("rsa_signature_4096_sha256_test.json", Algorithm::RS256),
];

/// `valid` tests that this library refuses on purpose because its key policy is stricter than
/// Wycheproof's (file, tcId, reason). Empty: every `valid` test of the current files is accepted.
/// Entries must stay accurate: an entry whose test is accepted again fails the run.
const VALID_BUT_REFUSED_BY_POLICY: [(&str, u64, &str); 0] = [];

fn vector_dir() -> PathBuf {
    match std::env::var_os("GRANTEX_WYCHEPROOF_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/wycheproof"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(bytes.len().saturating_sub(1));
    bytes.drain(..zeros);
    bytes
}

/// Key material from a group's raw fields, for groups that carry no JWK.
fn raw_material(group: &Value, alg: Algorithm) -> Result<PublicKeyMaterial, String> {
    let pk = &group["publicKey"];
    match alg.key_kind() {
        KeyKind::P256 | KeyKind::P384 => {
            let point = pk["uncompressed"]
                .as_str()
                .ok_or("EC group without publicKey.uncompressed")?;
            Ok(PublicKeyMaterial::Ec {
                kind: alg.key_kind(),
                point: hex(point),
            })
        }
        KeyKind::Ed25519 => {
            let x = hex(pk["pk"]
                .as_str()
                .ok_or("Ed25519 group without publicKey.pk")?);
            Ok(PublicKeyMaterial::Ed25519 {
                x: x.try_into().map_err(|_| "Ed25519 key is not 32 bytes")?,
            })
        }
        KeyKind::Rsa => {
            let n = pk["modulus"]
                .as_str()
                .ok_or("RSA group without publicKey.modulus")?;
            let e = pk["publicExponent"]
                .as_str()
                .ok_or("RSA group without publicKey.publicExponent")?;
            Ok(PublicKeyMaterial::Rsa {
                n: strip_leading_zeros(hex(n)),
                e: strip_leading_zeros(hex(e)),
            })
        }
    }
}

/// The group's verifying key, or why it was refused (by our JWK rules or by the backend).
fn group_key(group: &Value, alg: Algorithm, backend: Backend) -> Result<VerifyingKey, String> {
    match group.get("publicKeyJwk").or_else(|| group.get("keyJwk")) {
        Some(Value::Object(map)) => {
            let jwk = Jwk::from_map(map).map_err(|e| format!("JWK refused: {e}"))?;
            if jwk.alg.is_some_and(|a| a != alg) {
                return Err(format!(
                    "JWK alg {:?} does not match the file's {alg}",
                    jwk.alg
                ));
            }
            jwk.verifying_key(backend)
                .map_err(|e| format!("backend refused the JWK: {e}"))
        }
        Some(other) => Err(format!("JWK is not an object: {other}")),
        None => {
            let material = raw_material(group, alg)?;
            VerifyingKey::new(backend, &material, Some(&[alg]))
                .map_err(|e| format!("backend refused the key: {e}"))
        }
    }
}

#[derive(Default)]
struct Tally {
    valid: (usize, usize),
    invalid: (usize, usize),
    acceptable: (usize, usize),
    keys_refused: usize,
}

#[test]
fn wycheproof_signature_vectors() {
    let dir = vector_dir();
    assert!(
        dir.is_dir(),
        "Wycheproof vectors not found at {} (set GRANTEX_WYCHEPROOF_DIR); this test fails rather than skips",
        dir.display()
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read the Wycheproof directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no Wycheproof JSON files in {}",
        dir.display()
    );

    let backends = Backend::available();
    let mut failures: Vec<String> = Vec::new();
    // (file, tcId) → decision per backend, for the cross-backend comparison of `acceptable` tests.
    let mut acceptable: BTreeMap<(String, u64), Vec<(Backend, bool)>> = BTreeMap::new();
    let mut allow_list_hits: BTreeMap<(String, u64), usize> = BTreeMap::new();

    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let alg = FILES
            .iter()
            .find(|(name, _)| *name == file)
            .map(|(_, alg)| *alg)
            .unwrap_or_else(|| {
                panic!("{file}: no JWS algorithm mapped for this Wycheproof file; add it to FILES")
            });
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let groups = doc["testGroups"].as_array().expect("testGroups");
        let total: usize = groups
            .iter()
            .map(|g| g["tests"].as_array().map_or(0, Vec::len))
            .sum();
        if let Some(n) = doc["numberOfTests"].as_u64() {
            assert_eq!(total as u64, n, "{file}: numberOfTests");
        }

        for &backend in &backends {
            let mut tally = Tally::default();
            for group in groups {
                let key = group_key(group, alg, backend);
                if let Err(reason) = &key {
                    tally.keys_refused += 1;
                    println!(
                        "  {file} [{}]: key refused, all its tests count as rejected: {reason}",
                        backend.name()
                    );
                }
                for test in group["tests"].as_array().expect("tests") {
                    let id = test["tcId"].as_u64().expect("tcId");
                    let msg = hex(test["msg"].as_str().expect("msg"));
                    let sig = hex(test["sig"].as_str().expect("sig"));
                    let accepted = key
                        .as_ref()
                        .is_ok_and(|k| k.verify(alg, &msg, &sig).is_ok());
                    let result = test["result"].as_str().expect("result");
                    let comment = test["comment"].as_str().unwrap_or_default();
                    match result {
                        "valid" => {
                            tally.valid.1 += 1;
                            let allowed = VALID_BUT_REFUSED_BY_POLICY
                                .iter()
                                .any(|(f, t, _)| *f == file && *t == id);
                            if accepted {
                                tally.valid.0 += 1;
                                if allowed {
                                    failures.push(format!(
                                        "{file} tcId {id} [{}]: allow-listed as refused but accepted; remove the entry",
                                        backend.name()
                                    ));
                                }
                            } else if allowed {
                                *allow_list_hits.entry((file.clone(), id)).or_default() += 1;
                            } else {
                                failures.push(format!(
                                    "{file} tcId {id} [{}]: valid test rejected ({comment})",
                                    backend.name()
                                ));
                            }
                        }
                        "invalid" => {
                            tally.invalid.1 += 1;
                            if accepted {
                                failures.push(format!(
                                    "{file} tcId {id} [{}]: invalid test accepted ({comment}; flags {})",
                                    backend.name(),
                                    test["flags"]
                                ));
                            } else {
                                tally.invalid.0 += 1;
                            }
                        }
                        "acceptable" => {
                            if accepted {
                                tally.acceptable.0 += 1;
                            } else {
                                tally.acceptable.1 += 1;
                            }
                            acceptable
                                .entry((file.clone(), id))
                                .or_default()
                                .push((backend, accepted));
                        }
                        other => {
                            failures.push(format!("{file} tcId {id}: unknown result {other:?}"))
                        }
                    }
                }
            }
            println!(
                "{file} [{}] ({alg}): valid accepted {}/{}, invalid rejected {}/{}, acceptable accepted {} / rejected {}{}",
                backend.name(),
                tally.valid.0,
                tally.valid.1,
                tally.invalid.0,
                tally.invalid.1,
                tally.acceptable.0,
                tally.acceptable.1,
                if tally.keys_refused > 0 {
                    format!(", {} group keys refused", tally.keys_refused)
                } else {
                    String::new()
                }
            );
        }
    }

    for ((file, id), decisions) in &acceptable {
        let summary: Vec<String> = decisions
            .iter()
            .map(|(b, ok)| format!("{}={}", b.name(), if *ok { "accept" } else { "reject" }))
            .collect();
        println!("acceptable {file} tcId {id}: {}", summary.join(", "));
        if decisions.iter().any(|(_, ok)| *ok != decisions[0].1) {
            failures.push(format!(
                "{file} tcId {id}: backends disagree on an acceptable test: {}",
                summary.join(", ")
            ));
        }
    }
    for (file, id, reason) in VALID_BUT_REFUSED_BY_POLICY {
        if !allow_list_hits.contains_key(&(file.to_owned(), id)) {
            failures.push(format!(
                "allow-list entry {file} tcId {id} ({reason}) matched no rejected valid test"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} Wycheproof failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
