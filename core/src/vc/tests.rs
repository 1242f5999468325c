#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;
use crate::crypto::Backend;
use crate::status::{BitstringStatusList, StatusList, StatusListCache, TokenStatusList};

const UPSTREAM: &str = include_str!("../../../tests/vectors/upstream/grant-tokens.json");
const VECTORS: &str = include_str!("../../../tests/vectors/vc.json");

const DID: &str = "did:web:grantex.dev";
const T: u64 = 1_767_225_660;
const STATUS_URI: &str =
    "https://grantex.dev/v1/credentials/status/vcsl_01J00000000000000000000000";
const EMPTY: &str = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
const BIT42_NODE: &str = "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";
const BIT42_PYTHON: &str =
    "H4sIAAAAAAAAA-3BMQEAAAjAoEWxf0pt4QPUmQAAAAAAAAAAAAAAAAAAAIBHCzOa7TAAQAAA";

fn upstream() -> Value {
    serde_json::from_str(UPSTREAM).unwrap()
}

fn keys() -> KeySet {
    KeySet::from_jwks_json(&upstream()["jwks"].to_string()).unwrap()
}

fn vc_jwt() -> String {
    upstream()["vcJwt"].as_str().unwrap().to_owned()
}

fn options() -> VcVerifyOptions {
    VcVerifyOptions::new(vec![DID.into()], T)
}

fn lists(encoded: &str) -> HashMap<String, StatusList> {
    HashMap::from([(
        STATUS_URI.to_owned(),
        StatusList::from(BitstringStatusList::decode(encoded).unwrap()),
    )])
}

fn code(result: Result<VerifiedCredential>) -> ErrorCode {
    result.unwrap_err().code
}

#[test]
fn upstream_vc_jwt_with_every_status_source() {
    let keys = keys();
    let empty = lists(EMPTY);
    let vc = verify_credential(&keys, &vc_jwt(), &options(), StatusSource::Lists(&empty)).unwrap();
    assert_eq!(vc.id.as_deref(), Some("vc_01J0000000000000000000000C"));
    assert_eq!(vc.issuer, DID);
    assert_eq!(
        vc.subject_id.as_deref(),
        Some("did:grantex:ag_01J0000000000000000000000A")
    );
    assert_eq!(vc.credential_type, AGENT_GRANT_CREDENTIAL);
    assert_eq!(vc.types, ["VerifiableCredential", "AgentGrantCredential"]);
    assert_eq!(vc.data_model, DataModel::V2_0);
    assert_eq!(
        (vc.issued_at, vc.expires_at),
        (Some(1_767_225_600), Some(1_767_312_000))
    );
    assert_eq!(vc.subject["principalId"], "user_abc123");
    assert_eq!(vc.subject["delegationDepth"], 0);
    assert_eq!(vc.status_entries.len(), 1);
    assert_eq!(vc.status_entries[0].status_list_index, 42);
    assert!(vc.status_entries[0].checked);
    assert_eq!(vc.payload["jti"], "vc_01J0000000000000000000000C");
    let json = serde_json::to_value(&vc).unwrap();
    assert_eq!(json["credentialType"], "AgentGrantCredential");
    assert_eq!(json["dataModel"], "2.0");
    assert_eq!(json["statusEntries"][0]["statusListCredential"], STATUS_URI);

    for revoked in [BIT42_NODE, BIT42_PYTHON] {
        let l = lists(revoked);
        let err =
            verify_credential(&keys, &vc_jwt(), &options(), StatusSource::Lists(&l)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Revoked);
        assert!(err.message.contains("revoked"), "{err}");
    }
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::None
        )),
        ErrorCode::StatusUnavailable
    );

    // The cache is read at `options.now`: fresh → decided; stale → unavailable (fail closed).
    let mut cache = StatusListCache::new();
    cache.insert(
        STATUS_URI,
        BitstringStatusList::decode(BIT42_NODE).unwrap(),
        T as i64 - 10,
    );
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::Cache(&cache)
        )),
        ErrorCode::Revoked
    );
    cache.insert(
        STATUS_URI,
        BitstringStatusList::decode(EMPTY).unwrap(),
        T as i64 - 10,
    );
    assert!(verify_credential(&keys, &vc_jwt(), &options(), StatusSource::Cache(&cache)).is_ok());
    let later = VcVerifyOptions {
        now: T + 3600,
        ..options()
    };
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &later,
            StatusSource::Cache(&cache)
        )),
        ErrorCode::StatusUnavailable
    );

    // Upstream's fail-open mode, opted into: reported, not checked.
    let lenient = VcVerifyOptions {
        status_required: false,
        ..options()
    };
    let vc = verify_credential(&keys, &vc_jwt(), &lenient, StatusSource::None).unwrap();
    assert!(!vc.status_entries[0].checked);
}

#[test]
fn kind_confusion_is_rejected() {
    let keys = keys();
    let up = upstream();
    let sd_issuer = up["sdJwt"]["full"]
        .as_str()
        .unwrap()
        .split('~')
        .next()
        .unwrap()
        .to_owned();
    let empty = lists(EMPTY);
    for token in [
        sd_issuer.as_str(),
        up["rootGrantToken"].as_str().unwrap(),
        up["delegatedGrantToken"].as_str().unwrap(),
    ] {
        assert_eq!(
            code(verify_credential(
                &keys,
                token,
                &options(),
                StatusSource::Lists(&empty)
            )),
            ErrorCode::WrongTokenType
        );
    }
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::None
        )),
        ErrorCode::StatusUnavailable
    );
    let untrusted = VcVerifyOptions::new(vec!["did:web:example.com".into()], T);
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &untrusted,
            StatusSource::Lists(&empty)
        )),
        ErrorCode::UntrustedIssuer
    );
}

#[test]
fn options_fail_closed() {
    let keys = keys();
    let none = VcVerifyOptions::new(Vec::new(), T);
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &none,
            StatusSource::None
        )),
        ErrorCode::InvalidOptions
    );
    let no_types = VcVerifyOptions {
        expected_types: Vec::new(),
        ..options()
    };
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &no_types,
            StatusSource::None
        )),
        ErrorCode::InvalidOptions
    );
    let no_algs = VcVerifyOptions {
        algorithms: Vec::new(),
        ..options()
    };
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &no_algs,
            StatusSource::None
        )),
        ErrorCode::InvalidOptions
    );
    for prefix in ["https://grantex.dev", "", "/"] {
        let o = VcVerifyOptions {
            status_url_prefix: Some(prefix.into()),
            ..options()
        };
        assert_eq!(
            code(verify_credential(&keys, &vc_jwt(), &o, StatusSource::None)),
            ErrorCode::InvalidOptions
        );
    }
    // A prefix without its trailing slash would let `https://grantex.dev.evil.example/…` through.
    let o = VcVerifyOptions {
        status_url_prefix: Some("https://grantex.dev/".into()),
        ..options()
    };
    let empty = lists(EMPTY);
    assert!(verify_credential(&keys, &vc_jwt(), &o, StatusSource::Lists(&empty)).is_ok());
}

#[test]
fn token_list_is_not_read_for_a_w3c_entry() {
    let keys = keys();
    let mut token = TokenStatusList::new(1024, 1).unwrap();
    token.set(42, 0).unwrap();
    let l = HashMap::from([(STATUS_URI.to_owned(), StatusList::from(token))]);
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::Lists(&l)
        )),
        ErrorCode::InvalidStatusList
    );
    let two_bit = BitstringStatusList::with_status_size(131_072, 2).unwrap();
    let l = HashMap::from([(STATUS_URI.to_owned(), StatusList::from(two_bit))]);
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::Lists(&l)
        )),
        ErrorCode::InvalidStatusList
    );
    let subject =
        json!({"type": "BitstringStatusList", "statusPurpose": "suspension", "encodedList": EMPTY});
    let suspension = BitstringStatusList::from_credential_subject(&subject).unwrap();
    let l = HashMap::from([(STATUS_URI.to_owned(), StatusList::from(suspension))]);
    assert_eq!(
        code(verify_credential(
            &keys,
            &vc_jwt(),
            &options(),
            StatusSource::Lists(&l)
        )),
        ErrorCode::InvalidStatusList
    );
}

#[test]
fn upstream_response_shapes() {
    let keys = keys();
    let empty = lists(EMPTY);
    let ok = upstream_verify_response(&verify_credential(
        &keys,
        &vc_jwt(),
        &options(),
        StatusSource::Lists(&empty),
    ));
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["vcId"], "vc_01J0000000000000000000000C");
    assert_eq!(ok["payload"]["iss"], DID);
    assert_eq!(ok["credentialType"], "AgentGrantCredential");
    assert_eq!(ok["issuer"], DID);
    assert_eq!(ok["subject"]["grantId"], "grnt_01J0000000000000000000000G");
    assert_eq!(ok["expiresAt"], "2026-01-02T00:00:00.000Z");
    assert_eq!(ok["revoked"], false);

    let revoked = lists(BIT42_NODE);
    let r = upstream_verify_response(&verify_credential(
        &keys,
        &vc_jwt(),
        &options(),
        StatusSource::Lists(&revoked),
    ));
    assert_eq!(
        (r["valid"].clone(), r["revoked"].clone(), r["code"].clone()),
        (json!(false), json!(true), json!("REVOKED"))
    );
    assert!(r.get("expired").is_none());
    let late = VcVerifyOptions {
        now: 1_767_312_000,
        ..options()
    };
    let e = upstream_verify_response(&verify_credential(
        &keys,
        &vc_jwt(),
        &late,
        StatusSource::Lists(&empty),
    ));
    assert_eq!(
        (e["expired"].clone(), e["revoked"].clone()),
        (json!(true), json!(false))
    );
    assert!(e["error"].as_str().unwrap().contains("expired"));
}

#[test]
fn subject_shapes() {
    let grant = json!({"id": "did:grantex:ag_01J0000000000000000000000A", "principalId": "u", "developerId": "d",
                       "grantId": "g", "scopes": ["a:b"], "delegationDepth": 0});
    let check = |ty: &str, v: &Value| check_subject(ty, v.as_object().unwrap());
    assert!(check(AGENT_GRANT_CREDENTIAL, &grant).is_ok());
    assert!(check("SomethingElse", &json!({})).is_ok());
    assert!(check(DELEGATED_GRANT_CREDENTIAL, &grant).is_err());
    let mut delegated = grant.clone();
    delegated["delegationDepth"] = json!(2);
    delegated["parentGrantId"] = json!("g0");
    assert!(check(DELEGATED_GRANT_CREDENTIAL, &delegated).is_ok());
    delegated["parentAgentDid"] = json!("did:web:x");
    assert!(check(DELEGATED_GRANT_CREDENTIAL, &delegated).is_err());
    for (name, bad) in [
        ("id", json!("did:grantex:bob")),
        ("principalId", json!("")),
        ("developerId", json!(1)),
        ("grantId", Value::Null),
        ("scopes", json!("a:b")),
        ("delegationDepth", json!(1.5)),
        ("delegationDepth", json!(-1)),
        ("parentGrantId", json!("")),
    ] {
        let mut s = grant.clone();
        s[name] = bad.clone();
        let err = check(AGENT_GRANT_CREDENTIAL, &s).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidCredential, "{name} = {bad}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod signed {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    use base64::Engine;

    /// Signs `header.payload` (already base64url) with the upstream RSA test key.
    fn sign_input(input: &str) -> String {
        let pem = upstream()["privateKeyPkcs8"].as_str().unwrap().to_owned();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        let key = RsaKeyPair::from_pkcs8(&der).unwrap();
        let mut sig = vec![0; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{input}.{}", crate::b64::encode(&sig))
    }

    fn sign(header: &Value, payload: &Value) -> String {
        sign_input(&format!(
            "{}.{}",
            crate::b64::encode(header.to_string().as_bytes()),
            crate::b64::encode(payload.to_string().as_bytes())
        ))
    }

    fn header() -> Value {
        json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": "JWT"})
    }

    fn payload() -> Value {
        let jwt = vc_jwt();
        let p = jwt.split('.').nth(1).unwrap();
        serde_json::from_slice(&crate::b64::decode(p.as_bytes()).unwrap()).unwrap()
    }

    fn verify_with(
        edit: impl FnOnce(&mut Value),
        opts: &VcVerifyOptions,
    ) -> Result<VerifiedCredential> {
        let mut p = payload();
        edit(&mut p);
        let empty = lists(EMPTY);
        verify_credential(
            &keys(),
            &sign(&header(), &p),
            opts,
            StatusSource::Lists(&empty),
        )
    }

    fn verify(edit: impl FnOnce(&mut Value)) -> Result<VerifiedCredential> {
        verify_with(edit, &options())
    }

    #[test]
    fn signing_reproduces_the_upstream_vector() {
        // RS256 is deterministic: re-signing the same bytes must give upstream's token exactly.
        let jwt = vc_jwt();
        let (input, _) = jwt.rsplit_once('.').unwrap();
        assert_eq!(sign_input(input), jwt);
        let h: Value = serde_json::from_slice(
            &crate::b64::decode(input.split('.').next().unwrap().as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(h, header());
    }

    #[test]
    fn header_typ() {
        let p = payload();
        let empty = lists(EMPTY);
        let run = |h: Value| {
            verify_credential(
                &keys(),
                &sign(&h, &p),
                &options(),
                StatusSource::Lists(&empty),
            )
        };
        for typ in ["JWT", "jwt", "application/JWT"] {
            assert!(
                run(json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": typ})).is_ok(),
                "{typ}"
            );
        }
        for typ in [
            "vc+sd-jwt",
            "dc+sd-jwt",
            "kb+jwt",
            "vc+jwt",
            "vc+ld+jwt",
            "at+jwt",
            "statuslist+jwt",
            "",
        ] {
            let err =
                run(json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": typ})).unwrap_err();
            assert_eq!(err.code, ErrorCode::WrongTokenType, "{typ}");
        }
        assert_eq!(
            code(run(json!({"alg": "RS256", "kid": "grantex-2026-02"}))),
            ErrorCode::WrongTokenType
        );
        assert_eq!(
            code(run(
                json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": 1})
            )),
            ErrorCode::MalformedToken
        );
    }

    #[test]
    fn envelope_checks() {
        assert_eq!(
            code(verify(|p| p["_sd_alg"] = json!("sha-256"))),
            ErrorCode::WrongTokenType
        );
        assert_eq!(
            code(verify(|p| {
                p.as_object_mut().unwrap().remove("vc");
                p["purpose"] = json!("principal_dashboard");
            })),
            ErrorCode::WrongTokenType
        );
        assert_eq!(
            code(verify(|p| p["vc"] = json!("x"))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["iss"] = json!(5))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| {
                p.as_object_mut().unwrap().remove("iss");
            })),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["iss"] = json!("did:web:grantex.dev:x"))),
            ErrorCode::UntrustedIssuer
        );
        assert!(verify(|p| p["vc"]["issuer"] = json!(DID)).is_ok());
        assert_eq!(
            code(verify(|p| p["vc"]["issuer"] = json!("did:web:other"))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["vc"]["issuer"] = json!({"name": "x"}))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["vc"]["type"] = json!("VerifiableCredential"))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(
                |p| p["vc"]["type"] = json!(["VerifiableCredential", "AgentGrantCredential", 3])
            )),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| {
                p["vc"].as_object_mut().unwrap().remove("@context");
            })),
            ErrorCode::InvalidCredential
        );
        assert!(verify(|p| p["vc"]["@context"] = json!(VC_V1_CONTEXT)).is_ok());
        assert_eq!(
            code(verify(|p| p["vc"]["@context"] = json!([{"@vocab": "x"}]))),
            ErrorCode::InvalidCredential
        );
        assert!(verify(|p| p["vc"]["id"] = json!("vc_01J0000000000000000000000C")).is_ok());
        assert_eq!(
            code(verify(|p| p["vc"]["id"] = json!("other"))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["jti"] = json!(7))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(
                |p| p["sub"] = json!("did:grantex:ag_01J0000000000000000000000B")
            )),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["vc"]["credentialSubject"] = json!([]))),
            ErrorCode::InvalidCredential
        );
        // Without `jti`, the id comes from `vc.id`; without `sub`, from the subject.
        let vc = verify(|p| {
            let o = p.as_object_mut().unwrap();
            o.remove("jti");
            o.remove("sub");
            p["vc"]["id"] = json!("urn:uuid:1");
        })
        .unwrap();
        assert_eq!(vc.id.as_deref(), Some("urn:uuid:1"));
        assert_eq!(
            vc.subject_id.as_deref(),
            Some("did:grantex:ag_01J0000000000000000000000A")
        );
    }

    #[test]
    fn validity_fields() {
        assert_eq!(
            code(verify(|p| p["exp"] = json!(1_767_225_660))),
            ErrorCode::Expired
        );
        assert!(verify(|p| p["exp"] = json!(1_767_225_661)).is_ok());
        assert_eq!(
            code(verify(|p| p["exp"] = json!("1767312000"))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["exp"] = json!(1.767e9))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["nbf"] = json!(T + 1))),
            ErrorCode::NotYetValid
        );
        assert!(verify(|p| p["nbf"] = json!(T)).is_ok());
        assert_eq!(
            code(verify(|p| p["iat"] = json!(T + 1))),
            ErrorCode::IssuedInFuture
        );
        // validUntil with a fraction rounds down: expired in the second it names.
        assert_eq!(
            code(verify(
                |p| p["vc"]["validUntil"] = json!("2026-01-01T00:01:00.9Z")
            )),
            ErrorCode::Expired
        );
        assert!(verify(|p| p["vc"]["validUntil"] = json!("2026-01-01T00:01:01Z")).is_ok());
        assert_eq!(
            code(verify(
                |p| p["vc"]["expirationDate"] = json!("2026-01-01T01:00:00+02:00")
            )),
            ErrorCode::Expired
        );
        assert_eq!(
            code(verify(
                |p| p["vc"]["issuanceDate"] = json!("2026-01-01T00:01:01Z")
            )),
            ErrorCode::NotYetValid
        );
        assert!(verify(|p| p["vc"]["validFrom"] = json!("2026-01-01T00:01:00Z")).is_ok());
        assert_eq!(
            code(verify(|p| p["vc"]["validFrom"] = json!(1_767_225_600))),
            ErrorCode::InvalidCredential
        );
        let lenient = VcVerifyOptions {
            leeway: 60,
            ..options()
        };
        assert!(verify_with(|p| p["nbf"] = json!(T + 60), &lenient).is_ok());
        assert_eq!(
            code(verify_with(|p| p["nbf"] = json!(T + 61), &lenient)),
            ErrorCode::NotYetValid
        );
        let vc = verify(|p| {
            p.as_object_mut().unwrap().remove("iat");
            p["vc"]["validFrom"] = json!("2026-01-01T00:00:00Z");
            p["vc"]["validUntil"] = json!("2026-01-01T06:00:00Z");
        })
        .unwrap();
        assert_eq!(
            (vc.issued_at, vc.expires_at),
            (Some(1_767_225_600), Some(1_767_247_200))
        );
    }

    #[test]
    fn status_entries() {
        let two = json!([
            {"type": "StatusList2021Entry", "statusPurpose": "revocation", "statusListIndex": "42",
             "statusListCredential": STATUS_URI},
            {"type": "BitstringStatusListEntry", "statusPurpose": "message", "statusListIndex": "3", "statusSize": 2,
             "statusListCredential": "https://elsewhere.example/list"},
        ]);
        // The message entry is informational: reported, unchecked, needs no list.
        let vc = verify(|p| p["vc"]["credentialStatus"] = two.clone()).unwrap();
        assert_eq!(vc.status_entries.len(), 2);
        assert!(vc.status_entries[0].checked && !vc.status_entries[1].checked);
        // …but still has to be under the configured prefix.
        let ours = VcVerifyOptions {
            status_url_prefix: Some("https://grantex.dev/v1/".into()),
            ..options()
        };
        assert_eq!(
            code(verify_with(|p| p["vc"]["credentialStatus"] = two, &ours)),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(|p| p["vc"]["credentialStatus"] = json!([]))),
            ErrorCode::InvalidCredential
        );
        assert_eq!(
            code(verify(
                |p| p["vc"]["credentialStatus"]["type"] = json!("RevocationList2020Status")
            )),
            ErrorCode::InvalidCredential
        );
        let vc = verify(|p| {
            p["vc"].as_object_mut().unwrap().remove("credentialStatus");
        })
        .unwrap();
        assert!(vc.status_entries.is_empty());
    }

    #[test]
    fn status_list_credential() {
        let mut list = BitstringStatusList::new(131_072).unwrap();
        list.set(5, true).unwrap();
        let payload = json!({
            "vc": {"@context": [VC_V2_CONTEXT], "id": STATUS_URI, "issuer": DID,
                   "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                   "credentialSubject": {"id": format!("{STATUS_URI}#list"), "type": "BitstringStatusList",
                                         "statusPurpose": "revocation", "encodedList": list.encode_multibase().unwrap()}},
            "iss": DID, "iat": 1_767_225_600,
        });
        let jwt = sign(&header(), &payload);
        let opts = StatusListVerifyOptions {
            expected_id: Some(STATUS_URI.into()),
            ..StatusListVerifyOptions::new(vec![DID.into()], T)
        };
        let decoded = verify_status_list_credential(&keys(), &jwt, &opts).unwrap();
        assert!(decoded.get(5).unwrap() && !decoded.get(42).unwrap());
        assert_eq!(decoded.purposes(), ["revocation"]);
        // A verified list serves verify_credential directly.
        let l = HashMap::from([(STATUS_URI.to_owned(), StatusList::from(decoded))]);
        assert!(verify_credential(&keys(), &vc_jwt(), &options(), StatusSource::Lists(&l)).is_ok());

        let none = StatusListVerifyOptions::new(Vec::new(), T);
        assert_eq!(
            verify_status_list_credential(&keys(), &jwt, &none)
                .unwrap_err()
                .code,
            ErrorCode::InvalidOptions
        );
        let mut p = payload.clone();
        p["vc"].as_object_mut().unwrap().remove("id");
        let err = verify_status_list_credential(&keys(), &sign(&header(), &p), &opts).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidStatusList);
        let mut p = payload;
        p["vc"]["credentialSubject"]["type"] = json!("AIAgent");
        let err = verify_status_list_credential(&keys(), &sign(&header(), &p), &opts).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidStatusList);
    }

    #[test]
    fn status_list_token() {
        let mut list = TokenStatusList::new(64, 2).unwrap();
        list.set(9, 2).unwrap();
        let payload = json!({"sub": "https://grantex.dev/s/1", "iat": 1_767_225_600, "exp": 1_767_229_200,
                             "status_list": list.to_status_list_claim().unwrap()});
        let h = json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": "statuslist+jwt"});
        let jwt = sign(&h, &payload);
        let token = verify_status_list_token(&keys(), &jwt, T).unwrap();
        assert_eq!(token.subject, "https://grantex.dev/s/1");
        assert_eq!(token.list.get(9).unwrap(), 2);
        assert_eq!(
            verify_status_list_token(&keys(), &jwt, 1_767_229_200)
                .unwrap_err()
                .code,
            ErrorCode::Expired
        );
        assert_eq!(
            verify_status_list_token(&keys(), &jwt, 1_767_225_599)
                .unwrap_err()
                .code,
            ErrorCode::IssuedInFuture
        );
        let jwt = sign(&header(), &payload);
        assert_eq!(
            verify_status_list_token(&keys(), &jwt, T).unwrap_err().code,
            ErrorCode::WrongTokenType
        );
        let jwt = sign(
            &json!({"alg": "RS256", "typ": "application/statuslist+jwt"}),
            &payload,
        );
        assert!(verify_status_list_token(&keys(), &jwt, T).is_ok());
    }
}

fn run_case(case: &Value, keys: &KeySet) -> Result<Value> {
    let token = case["token"].as_str().unwrap();
    let o = &case["options"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let now = o["now"].as_u64().unwrap();
    match case["kind"].as_str().unwrap() {
        "credential" => {
            let mut opts = VcVerifyOptions::new(strings(&o["trustedIssuers"]), now);
            if let Some(v) = o.get("leeway") {
                opts.leeway = v.as_u64().unwrap();
            }
            if let Some(v) = o.get("expectedTypes") {
                opts.expected_types = strings(v);
            }
            if let Some(v) = o.get("statusRequired") {
                opts.status_required = v.as_bool().unwrap();
            }
            if let Some(v) = o.get("statusUrlPrefix") {
                opts.status_url_prefix = Some(v.as_str().unwrap().to_owned());
            }
            if let Some(v) = o.get("requireExpiry") {
                opts.require_expiry = v.as_bool().unwrap();
            }
            let result = match case.get("statusLists") {
                None => verify_credential(keys, token, &opts, StatusSource::None),
                Some(encoded) => {
                    let mut lists = HashMap::new();
                    for (uri, list) in encoded.as_object().unwrap() {
                        lists.insert(
                            uri.clone(),
                            StatusList::from(BitstringStatusList::decode(list.as_str().unwrap())?),
                        );
                    }
                    verify_credential(keys, token, &opts, StatusSource::Lists(&lists))
                }
            };
            result.map(|vc| serde_json::to_value(vc).unwrap())
        }
        "statusListCredential" => {
            let mut opts = StatusListVerifyOptions::new(strings(&o["trustedIssuers"]), now);
            opts.expected_id = o.get("expectedId").map(|v| v.as_str().unwrap().to_owned());
            let list = verify_status_list_credential(keys, token, &opts)?;
            let (mut set, mut clear) = (Vec::new(), Vec::new());
            for i in [0u64, 7, 8, 41, 42, 43, 131_071] {
                if list.get(i)? {
                    set.push(i)
                } else {
                    clear.push(i)
                }
            }
            Ok(json!({"set": set, "clear": clear, "purposes": list.purposes()}))
        }
        "statusListToken" => {
            let token = verify_status_list_token(keys, token, now)?;
            let mut statuses = Map::new();
            for i in 0..token.list.len() as u64 {
                statuses.insert(i.to_string(), json!(token.list.get(i)?));
            }
            Ok(json!({"subject": token.subject, "statuses": statuses}))
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn shared_vectors() {
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(doc["version"], 1);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut checked = 0;
    for backend in Backend::available() {
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let jwks = match &case["jwks"] {
                Value::String(set) => doc["keySets"][set.as_str()].to_string(),
                inline => inline.to_string(),
            };
            let keys = KeySet::from_jwks_json_with_backend(&jwks, backend).unwrap();
            let got = run_case(case, &keys);
            let expect = &case["expect"];
            if let Some(err) = expect.get("error") {
                let e = got.expect_err(name);
                assert_eq!(
                    e.code.as_str(),
                    err.as_str().unwrap(),
                    "{name} ({}): {e}",
                    backend.name()
                );
            } else {
                let got = got.unwrap_or_else(|e| panic!("{name} ({}): {e}", backend.name()));
                for (field, want) in expect.as_object().unwrap() {
                    match field.as_str() {
                        // Only the listed indices are compared for tokens.
                        "statuses" => {
                            for (i, s) in want.as_object().unwrap() {
                                assert_eq!(&got["statuses"][i], s, "{name}: status {i}");
                            }
                        }
                        _ => assert_eq!(&got[field.as_str()], want, "{name}: {field}"),
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= cases.len());
}
