#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;
use crate::crypto::Backend;
use serde_json::json;

const VECTORS: &str = include_str!("../../../tests/vectors/sdjwt.json");
const UPSTREAM: &str = include_str!("../../../tests/vectors/upstream/grant-tokens.json");

fn upstream() -> Value {
    serde_json::from_str(UPSTREAM).unwrap()
}

fn algorithms(v: &Value) -> Vec<Algorithm> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| Algorithm::from_name(a.as_str().unwrap()).unwrap())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn case_options(case: &Value) -> SdJwtVerifyOptions {
    let o = &case["options"];
    let issuer = match (&o["issuer"], &o["anyIssuer"]) {
        (Value::String(iss), Value::Null) => IssuerPolicy::Expect(iss.clone()),
        (Value::Null, Value::Bool(true)) => IssuerPolicy::Any,
        other => panic!("issuer {other:?}"),
    };
    let mut options = SdJwtVerifyOptions::new(issuer, case["now"].as_u64().unwrap());
    for (name, value) in o.as_object().unwrap() {
        match name.as_str() {
            "issuer" | "anyIssuer" => {}
            "algorithms" => options.algorithms = algorithms(value),
            "types" => options.types = strings(value),
            "requireExp" => options.require_exp = value.as_bool().unwrap(),
            "keyBinding" => {
                options.key_binding = KeyBindingPolicy::Required {
                    nonce: value["nonce"].as_str().unwrap().to_owned(),
                    audience: value["audience"].as_str().unwrap().to_owned(),
                }
            }
            "kbAlgorithms" => options.kb_algorithms = algorithms(value),
            "kbMaxAge" => options.kb_max_age = value.as_u64().unwrap(),
            "leeway" => options.leeway = value.as_u64().unwrap(),
            "maxPresentationBytes" => {
                options.max_presentation_bytes = value.as_u64().unwrap() as usize
            }
            "maxDisclosures" => options.max_disclosures = value.as_u64().unwrap() as usize,
            other => panic!("unknown option {other}"),
        }
    }
    options
}

/// Runs every case of `tests/vectors/sdjwt.json` on every backend compiled in.
#[test]
fn shared_vectors() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(doc["version"], 1);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "{}", cases.len());
    for backend in Backend::available() {
        let key_sets: std::collections::HashMap<&str, KeySet> = doc["keySets"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, jwks)| {
                (
                    name.as_str(),
                    KeySet::from_jwks_map(jwks.as_object().unwrap(), backend).unwrap(),
                )
            })
            .collect();
        let mut names = std::collections::HashSet::new();
        for case in cases {
            let name = case["name"].as_str().unwrap();
            assert!(names.insert(name), "duplicate case name {name}");
            let keys = &key_sets[case["jwks"].as_str().unwrap()];
            let result = verify_presentation(
                keys,
                case["presentation"].as_str().unwrap(),
                &case_options(case),
            );
            let expect = &case["expect"];
            match (&expect["error"], result) {
                (Value::String(code), Err(e)) => {
                    assert_eq!(e.code.as_str(), code, "{name} ({}): {e}", backend.name())
                }
                (Value::String(code), Ok(_)) => panic!("{name}: verified, expected {code}"),
                (_, Err(e)) => panic!("{name} ({}): {e}", backend.name()),
                (_, Ok(v)) => {
                    assert_eq!(v.claims, expect["claims"], "{name}");
                    assert_eq!(
                        v.disclosed_claims.as_ref(),
                        expect.get("disclosedClaims"),
                        "{name}"
                    );
                    assert_eq!(v.key_bound, expect["keyBound"].as_bool().unwrap(), "{name}");
                }
            }
        }
    }
}

/// README: each `sdJwt.disclosures[i]` hashes to `sdJwt.digests[i]` and is a 3-element array.
#[test]
fn upstream_disclosure_digests() {
    let up = upstream();
    let names = ["principalId", "developerId", "scopes", "delegationDepth"];
    for (i, d) in up["sdJwt"]["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let d = Disclosure::parse(d.as_str().unwrap(), HashAlg::Sha256).unwrap();
        assert_eq!(d.digest, up["sdJwt"]["digests"][i].as_str().unwrap());
        assert_eq!(d.name.as_deref(), Some(names[i]));
        assert_eq!(d.salt.len(), 22);
    }
}

#[test]
fn upstream_full_result() {
    let up = upstream();
    let keys = KeySet::from_jwks_map(up["jwks"].as_object().unwrap(), Backend::DEFAULT).unwrap();
    let options = SdJwtVerifyOptions::new(
        IssuerPolicy::Expect("did:web:grantex.dev".into()),
        1767225660,
    );
    let v = verify_presentation(&keys, up["sdJwt"]["full"].as_str().unwrap(), &options).unwrap();
    assert_eq!(
        v.disclosed_claims.unwrap(),
        json!({
            "id": "did:grantex:ag_01J0000000000000000000000A",
            "type": "AIAgent",
            "grantId": "grnt_01J0000000000000000000000G",
            "principalId": "user_abc123",
            "developerId": "dev_01J0000000000000000000000D",
            "scopes": ["calendar:read", "payments:initiate:max_500"],
            "delegationDepth": 0
        })
    );
    assert_eq!(v.claims["jti"], "vc_01J0000000000000000000000S");
    assert!(v.claims.get("_sd_alg").is_none());
    assert_eq!(v.header.typ.as_deref(), Some("vc+sd-jwt"));
    assert_eq!(v.hash_alg, HashAlg::Sha256);
    assert!(!v.key_bound && v.key_binding.is_none());
}

#[test]
fn presentation_parsing() {
    let p = parse_presentation("h.p.s~a~b~", 100, 10).unwrap();
    assert_eq!(p.issuer_jwt, "h.p.s");
    assert_eq!(p.disclosures().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(p.key_binding_jwt, None);
    assert_eq!(p.sd_hash_input, "h.p.s~a~b~");
    let p = parse_presentation("h.p.s~a~k.b.s", 100, 10).unwrap();
    assert_eq!(p.disclosures().collect::<Vec<_>>(), ["a"]);
    assert_eq!(p.key_binding_jwt, Some("k.b.s"));
    assert_eq!(p.sd_hash_input, "h.p.s~a~");
    for none in ["h.p.s~", "h.p.s~~"] {
        assert_eq!(
            parse_presentation(none, 100, 10)
                .unwrap()
                .disclosures()
                .count(),
            0,
            "{none}"
        );
    }
    let code = |s: &str, max: usize| parse_presentation(s, 100, max).unwrap_err().code;
    assert_eq!(code("h.p.s", 10), ErrorCode::MalformedToken);
    assert_eq!(code("h.p.s~~~", 10), ErrorCode::InvalidDisclosure);
    assert_eq!(code("h.p.s~a~~", 10), ErrorCode::InvalidDisclosure);
    assert_eq!(code("h.p.s~a~b~", 1), ErrorCode::TokenTooLarge);
    assert_eq!(
        parse_presentation("h.p.s~", 5, 10).unwrap_err().code,
        ErrorCode::TokenTooLarge
    );
}

#[test]
fn media_types() {
    assert!(media_type_eq("dc+sd-jwt", "application/DC+SD-JWT"));
    assert!(!media_type_eq("dc+sd-jwt", "vc+sd-jwt"));
    assert!(!media_type_eq("dc+sd-jwt", ""));
}

/// The holder's presentation of the upstream SD-JWT reproduces upstream's own presentations, except the
/// empty one, which is `<jwt>~` rather than `<jwt>~~`.
#[test]
fn present_upstream() {
    let up = upstream();
    let full = up["sdJwt"]["full"].as_str().unwrap();
    let jwt = full.split('~').next().unwrap();
    let scopes_only = up["sdJwt"]["presentationScopesOnly"].as_str().unwrap();
    for path in [
        ClaimPath::parse("credentialSubject.scopes"),
        ClaimPath::new(["vc", "credentialSubject", "scopes"]),
    ] {
        assert_eq!(present(full, &[path]).unwrap(), scopes_only);
    }
    assert_eq!(present(full, &[]).unwrap(), format!("{jwt}~"));
    // Visible claims need no disclosure; asking for everything gives back the full SD-JWT.
    assert_eq!(
        present(full, &["credentialSubject.grantId".into()]).unwrap(),
        format!("{jwt}~")
    );
    assert_eq!(present(full, &["vc".into()]).unwrap(), full);
    // Repeated paths do not repeat disclosures.
    let twice = present(
        full,
        &[
            "credentialSubject.scopes".into(),
            "credentialSubject.scopes".into(),
        ],
    )
    .unwrap();
    assert_eq!(twice, scopes_only);
    let err = |p: &str| present(full, &[p.into()]).unwrap_err().code;
    assert_eq!(err("credentialSubject.nope"), ErrorCode::InvalidInput);
    assert_eq!(err("credentialSubject.id.x"), ErrorCode::InvalidInput);
    assert_eq!(
        present(full, &["credentialSubject.scopes.0".into()]).unwrap(),
        scopes_only
    );
    assert_eq!(
        present(scopes_only, &["credentialSubject.principalId".into()])
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}

proptest::proptest! {
    /// No single-byte change to a valid presentation panics, and none but the identity verifies.
    #[test]
    fn mutations_never_panic(index in 0usize..4096, byte in proptest::prelude::any::<u8>()) {
        let up = upstream();
        let full = up["sdJwt"]["full"].as_str().unwrap();
        let keys = KeySet::from_jwks_map(up["jwks"].as_object().unwrap(), Backend::DEFAULT).unwrap();
        let options = SdJwtVerifyOptions::new(IssuerPolicy::Expect("did:web:grantex.dev".into()), 1767225660);
        let mut bytes = full.as_bytes().to_vec();
        let i = index % bytes.len();
        let changed = bytes[i] != byte;
        bytes[i] = byte;
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let result = verify_presentation(&keys, text, &options);
            // A changed trailing '~' can turn the last disclosure into a failing KB-JWT, never into success.
            proptest::prop_assert!(!changed || result.is_err(), "{text}");
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod signing {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use base64::Engine as _;

    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    enum Signer {
        Ec(EcdsaKeyPair),
        Ed(Ed25519KeyPair),
    }

    impl JwsSigner for Signer {
        fn algorithm(&self) -> Algorithm {
            match self {
                Signer::Ec(_) => Algorithm::ES256,
                Signer::Ed(_) => Algorithm::EdDSA,
            }
        }
        fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
            Ok(match self {
                Signer::Ec(k) => k
                    .sign(&SystemRandom::new(), signing_input)
                    .unwrap()
                    .as_ref()
                    .to_vec(),
                Signer::Ed(k) => k.sign(signing_input).as_ref().to_vec(),
            })
        }
    }

    impl Signer {
        fn jwk(&self) -> Value {
            match self {
                Signer::Ec(k) => {
                    let point = k.public_key().as_ref();
                    json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])})
                }
                Signer::Ed(k) => {
                    json!({"kty": "OKP", "crv": "Ed25519", "x": b64(k.public_key().as_ref())})
                }
            }
        }
    }

    fn b64(bytes: &[u8]) -> String {
        crate::b64::encode(bytes)
    }

    fn p256() -> Signer {
        let der = pem_der(include_str!("../../../tests/vectors/keys/ec-p256.pem"));
        Signer::Ec(EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &der).unwrap())
    }

    fn ed25519() -> Signer {
        let der = pem_der(include_str!("../../../tests/vectors/keys/ed25519.pem"));
        Signer::Ed(Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).unwrap())
    }

    /// The RFC 9901 holder key (Appendix A.5 of the draft examples).
    fn rfc_holder() -> Signer {
        let d = crate::b64::decode(b"5K5SCos8zf9zRemGGUl6yfok-_NiiryNZsvANWMhF-I").unwrap();
        let x = crate::b64::decode(b"TCAER19Zvu3OHF4j4W4vfSVoHIP1ILilDls7vCeGemc").unwrap();
        let y = crate::b64::decode(b"ZxjiWWbZMQGHVWKVQ4hbSIirsVfuecCE6t4jT9F2HZQ").unwrap();
        let point = [&[4u8][..], &x, &y].concat();
        Signer::Ec(
            EcdsaKeyPair::from_private_key_and_public_key(
                &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                &d,
                &point,
            )
            .unwrap(),
        )
    }

    /// Signs an issuer JWT with the upstream RSA test key.
    fn sign_issuer_jwt(typ: &str, payload: &Value, disclosures: &[String]) -> String {
        let up = upstream();
        let der = pem_der(up["privateKeyPkcs8"].as_str().unwrap());
        let key = sig::RsaKeyPair::from_pkcs8(&der).unwrap();
        let header = json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": typ});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes())
        );
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign(
            &sig::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .unwrap();
        let mut out = format!("{input}.{}~", b64(&signature));
        for d in disclosures {
            out.push_str(d);
            out.push('~');
        }
        out
    }

    fn disclosure(v: Value) -> String {
        b64(v.to_string().as_bytes())
    }

    fn digest(d: &str) -> String {
        HashAlg::Sha256.digest_b64(d.as_bytes())
    }

    const NOW: u64 = 1767225660;

    fn upstream_keys() -> KeySet {
        KeySet::from_jwks_map(upstream()["jwks"].as_object().unwrap(), Backend::DEFAULT).unwrap()
    }

    fn required(nonce: &str, aud: &str) -> SdJwtVerifyOptions {
        let mut o =
            SdJwtVerifyOptions::new(IssuerPolicy::Expect("https://grantex.dev".into()), NOW);
        o.key_binding = KeyBindingPolicy::Required {
            nonce: nonce.into(),
            audience: aud.into(),
        };
        o
    }

    /// An SD-JWT VC bound to `holder`, with a nested disclosable address and a disclosable array element.
    fn credential(holder: &Signer) -> (String, Vec<String>) {
        let street = disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdA", "street", "Main St 1"]));
        let address = disclosure(
            json!(["c2FsdHNhbHRzYWx0c2FsdB", "address", {"_sd": [digest(&street)], "country": "DE"}]),
        );
        let scope = disclosure(json!(["c2FsdHNhbHRzYWx0c2FsdC", "payments:initiate"]));
        let principal = disclosure(json!([
            "c2FsdHNhbHRzYWx0c2FsdD",
            "principalId",
            "user_abc123"
        ]));
        let payload = json!({
            "iss": "https://grantex.dev",
            "vct": "https://grantex.dev/credentials/AgentGrant",
            "iat": NOW - 60,
            "exp": NOW + 3600,
            "_sd_alg": "sha-256",
            "_sd": [digest(&principal), digest(&address), "aGVyZSBpcyBhIGRlY295IGRpZ2VzdCB2YWx1ZSB4eHg"],
            "scopes": ["calendar:read", {"...": digest(&scope)}],
            "cnf": {"jwk": holder.jwk()},
        });
        let ds = vec![street, address, scope, principal];
        (sign_issuer_jwt("dc+sd-jwt", &payload, &ds), ds)
    }

    #[test]
    fn holder_presents_with_key_binding() {
        for holder in [p256(), ed25519()] {
            let (sd_jwt, _) = credential(&holder);
            let keys = upstream_keys();
            let paths = ["address.street".into(), "scopes.1".into()];
            let pres = present_with_key_binding(
                &sd_jwt,
                &paths,
                &holder,
                "nonce-1",
                "https://v.example",
                NOW,
            )
            .unwrap();
            let v = verify_presentation(&keys, &pres, &required("nonce-1", "https://v.example"))
                .unwrap();
            assert!(v.key_bound);
            assert_eq!(
                v.key_binding,
                Some(KeyBindingClaims {
                    nonce: "nonce-1".into(),
                    audience: "https://v.example".into(),
                    issued_at: NOW
                })
            );
            assert_eq!(
                v.claims["address"],
                json!({"street": "Main St 1", "country": "DE"})
            );
            assert_eq!(
                v.claims["scopes"],
                json!(["calendar:read", "payments:initiate"])
            );
            assert!(v.claims.get("principalId").is_none());
            assert!(v.disclosed_claims.is_none());

            let code = |pres: &str, o: &SdJwtVerifyOptions| {
                verify_presentation(&keys, pres, o).unwrap_err().code
            };
            assert_eq!(
                code(&pres, &required("nonce-2", "https://v.example")),
                ErrorCode::InvalidKeyBinding
            );
            assert_eq!(
                code(&pres, &required("nonce-1", "https://w.example")),
                ErrorCode::InvalidKeyBinding
            );
            let mut stale = required("nonce-1", "https://v.example");
            stale.now = NOW + DEFAULT_KB_MAX_AGE + 1;
            assert_eq!(code(&pres, &stale), ErrorCode::InvalidKeyBinding);
            let mut early = required("nonce-1", "https://v.example");
            early.now = NOW - 1;
            assert_eq!(code(&pres, &early), ErrorCode::InvalidKeyBinding);
            // The KB-JWT of one presentation moved onto another (sd_hash).
            let other = present(&sd_jwt, &["principalId".into()]).unwrap();
            let kb = pres.rsplit('~').next().unwrap();
            assert_eq!(
                code(
                    &format!("{other}{kb}"),
                    &required("nonce-1", "https://v.example")
                ),
                ErrorCode::InvalidKeyBinding
            );
        }
    }

    #[test]
    fn key_binding_by_another_key() {
        let (sd_jwt, _) = credential(&p256());
        let pres = present_with_key_binding(&sd_jwt, &[], &ed25519(), "n", "a", NOW).unwrap();
        let e = verify_presentation(&upstream_keys(), &pres, &required("n", "a")).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidKeyBinding, "{e}");
        let pres = present_with_key_binding(&sd_jwt, &[], &rfc_holder(), "n", "a", NOW).unwrap();
        let e = verify_presentation(&upstream_keys(), &pres, &required("n", "a")).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidKeyBinding, "{e}");
    }

    #[test]
    fn presenting_nested_claims_brings_their_parents() {
        let holder = p256();
        let (sd_jwt, ds) = credential(&holder);
        let jwt = sd_jwt.split('~').next().unwrap();
        let (street, address, scope, principal) = (&ds[0], &ds[1], &ds[2], &ds[3]);
        assert_eq!(
            present(&sd_jwt, &["address.street".into()]).unwrap(),
            format!("{jwt}~{street}~{address}~")
        );
        assert_eq!(
            present(&sd_jwt, &["address".into()]).unwrap(),
            format!("{jwt}~{street}~{address}~")
        );
        assert_eq!(
            present(&sd_jwt, &["address.country".into()]).unwrap(),
            format!("{jwt}~{address}~")
        );
        assert_eq!(
            present(&sd_jwt, &["scopes.1".into()]).unwrap(),
            format!("{jwt}~{scope}~")
        );
        assert_eq!(
            present(&sd_jwt, &["scopes.0".into()]).unwrap(),
            format!("{jwt}~")
        );
        assert_eq!(
            present(&sd_jwt, &["principalId".into()]).unwrap(),
            format!("{jwt}~{principal}~")
        );
        assert_eq!(
            present(&sd_jwt, &["scopes.2".into()]).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        // A presentation that already carries a KB-JWT is not re-presented.
        let bound = present_with_key_binding(&sd_jwt, &[], &holder, "n", "a", NOW).unwrap();
        assert_eq!(
            present(&bound, &[]).unwrap_err().code,
            ErrorCode::InvalidInput
        );
    }

    /// Issue → sign → present → verify, for both profiles.
    #[test]
    fn issued_credentials_verify() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rng = move |buf: &mut [u8]| {
            for b in buf.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
        };
        let keys = upstream_keys();
        let up = upstream();
        let full = up["sdJwt"]["full"].as_str().unwrap();
        let jwt = full.split('~').next().unwrap();
        // The upstream Grantex credential, re-issued with decoys and a shuffled `_sd`.
        let mut payload = serde_json::from_slice::<Value>(
            &crate::b64::decode(jwt.split('.').nth(1).unwrap().as_bytes()).unwrap(),
        )
        .unwrap();
        payload.as_object_mut().unwrap().remove("_sd_alg");
        let subject = payload["vc"]["credentialSubject"].as_object_mut().unwrap();
        subject.remove("_sd");
        for (k, v) in [
            ("principalId", json!("user_abc123")),
            ("developerId", json!("dev_x")),
            ("scopes", json!(["calendar:read"])),
            ("delegationDepth", json!(0)),
        ] {
            subject.insert(k.into(), v);
        }
        let expected_subject = payload["vc"]["credentialSubject"].clone();
        let paths: Vec<ClaimPath> = ["principalId", "developerId", "scopes", "delegationDepth"]
            .iter()
            .map(|n| ClaimPath::new(["vc", "credentialSubject", n]))
            .collect();
        let issued = issue(payload.clone(), &paths, &IssueOptions::default(), &mut rng).unwrap();
        let sd_jwt = issue_signed("vc+sd-jwt", &issued);
        let options =
            SdJwtVerifyOptions::new(IssuerPolicy::Expect("did:web:grantex.dev".into()), NOW);
        let v = verify_presentation(&keys, &sd_jwt, &options).unwrap();
        assert_eq!(v.claims, payload);
        assert_eq!(v.disclosed_claims.unwrap(), expected_subject);
        let only_scopes = present(&sd_jwt, &["credentialSubject.scopes".into()]).unwrap();
        let v = verify_presentation(&keys, &only_scopes, &options).unwrap();
        let subject = v.disclosed_claims.unwrap();
        assert_eq!(subject["scopes"], json!(["calendar:read"]));
        assert!(subject.get("principalId").is_none());

        // An SD-JWT VC with a holder key, recursive and array-element disclosures, SHA-384.
        let holder = ed25519();
        let payload = json!({
            "iss": "https://grantex.dev", "vct": "urn:grantex:agent-grant", "iat": NOW - 5, "exp": NOW + 60,
            "scopes": ["calendar:read", "payments:initiate"], "address": {"street": "s", "country": "DE"},
            "cnf": {"jwk": holder.jwk()},
        });
        let paths: Vec<ClaimPath> = ["scopes.1", "address", "address.street"]
            .into_iter()
            .map(ClaimPath::parse)
            .collect();
        let options = IssueOptions {
            sd_alg: HashAlg::Sha384,
            ..IssueOptions::default()
        };
        let issued = issue(payload.clone(), &paths, &options, &mut rng).unwrap();
        let sd_jwt = issue_signed("dc+sd-jwt", &issued);
        let pres = present_with_key_binding(
            &sd_jwt,
            &["address.country".into(), "scopes.1".into()],
            &holder,
            "n",
            "a",
            NOW,
        )
        .unwrap();
        let v = verify_presentation(&keys, &pres, &required("n", "a")).unwrap();
        assert!(v.key_bound);
        assert_eq!(v.hash_alg, HashAlg::Sha384);
        assert_eq!(v.claims["scopes"], payload["scopes"]);
        assert_eq!(v.claims["address"], json!({"country": "DE"}));
        let everything = present(&sd_jwt, &["address".into(), "scopes".into()]).unwrap();
        let mut o = required("n", "a");
        o.key_binding = KeyBindingPolicy::NotRequired;
        assert_eq!(
            verify_presentation(&keys, &everything, &o).unwrap().claims,
            payload
        );
    }

    fn issue_signed(typ: &str, issued: &Issued) -> String {
        let signed = sign_issuer_jwt(typ, &issued.payload, &[]);
        serialize(signed.trim_end_matches('~'), &issued.disclosures)
    }

    /// RFC 9901 §5.1 SD-JWT presented again by its holder (the §5.2 selection) with a fresh KB-JWT signed
    /// with the example holder key.
    #[test]
    fn rfc_example_presented_again() {
        let doc: Value = serde_json::from_str(VECTORS).unwrap();
        let keys = KeySet::from_jwks_map(
            doc["keySets"]["rfc9901"].as_object().unwrap(),
            Backend::DEFAULT,
        )
        .unwrap();
        let all = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().unwrap().starts_with("RFC 9901 §5.1"))
            .unwrap()["presentation"]
            .as_str()
            .unwrap()
            .to_owned();
        let paths = [
            "given_name".into(),
            "family_name".into(),
            "address".into(),
            "nationalities.0".into(),
        ];
        let pres = present_with_key_binding(
            &all,
            &paths,
            &rfc_holder(),
            "1234567890",
            "https://verifier.example.org",
            1748537244,
        )
        .unwrap();
        let mut o = SdJwtVerifyOptions::new(
            IssuerPolicy::Expect("https://issuer.example.com".into()),
            1748537250,
        );
        o.algorithms = vec![Algorithm::ES256];
        o.types = vec!["example+sd-jwt".into()];
        o.key_binding = KeyBindingPolicy::Required {
            nonce: "1234567890".into(),
            audience: "https://verifier.example.org".into(),
        };
        let v = verify_presentation(&keys, &pres, &o).unwrap();
        assert!(v.key_bound);
        assert_eq!(v.claims["nationalities"], json!(["US"]));
        assert_eq!(v.claims["given_name"], "John");
        assert!(v.claims.get("email").is_none());
        // Same disclosures as the RFC's own §5.2 presentation (issued order, not request order).
        let rfc52 = doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "RFC 9901 §5.2 presentation with key binding")
            .unwrap()["presentation"]
            .as_str()
            .unwrap()
            .to_owned();
        let mine: std::collections::BTreeSet<&str> = pres
            .split('~')
            .skip(1)
            .filter(|s| !s.contains('.'))
            .collect();
        let theirs: std::collections::BTreeSet<&str> = rfc52
            .split('~')
            .skip(1)
            .filter(|s| !s.contains('.'))
            .collect();
        assert_eq!(mine, theirs);
    }
}
