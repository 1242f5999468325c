//! The C ABI called from Rust: NULL and non-UTF-8 arguments, status numbers, thread sharing, frees.
//! (tests/vectors.c runs every vector through the same functions from C, under valgrind.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unsafe_code
)]

use grantex::*;
use grantex_core::ErrorCode;
use serde_json::{Value, json};
use std::ffi::{CStr, CString, c_char};
use std::ptr;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/grant-tokens.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(jwks, token, options, expected value)` of the first valid case on the `main` key set.
fn valid_case() -> (String, String, String, Value) {
    let v = vectors();
    let case = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["expected"]["ok"] == json!(true) && c["keySet"] == json!("main"))
        .unwrap()
        .clone();
    let jwks = v["keySets"]["main"].to_string();
    (
        jwks,
        case["token"].as_str().unwrap().to_owned(),
        case["options"].to_string(),
        case["expected"]["value"].clone(),
    )
}

fn cstr(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// Takes ownership of a library string and frees it.
fn take(s: *mut c_char) -> String {
    assert!(!s.is_null());
    // SAFETY: a live string from the library.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    // SAFETY: freed exactly once.
    unsafe { grantex_string_free(s) };
    text
}

fn new_verifier(jwks: &str) -> *mut GrantexVerifier {
    let jwks = cstr(jwks);
    let mut v = ptr::null_mut();
    let mut err = ptr::null_mut();
    // SAFETY: valid pointers.
    let status = unsafe { grantex_verifier_new(jwks.as_ptr(), &mut v, &mut err) };
    assert_eq!(status, GRANTEX_OK);
    assert!(err.is_null());
    assert!(!v.is_null());
    v
}

fn verify(v: *const GrantexVerifier, token: &str, options: &str) -> (i32, Value) {
    let (token, options) = (cstr(token), cstr(options));
    let mut answer = ptr::null_mut();
    // SAFETY: valid pointers.
    let status =
        unsafe { grantex_verifier_verify(v, token.as_ptr(), options.as_ptr(), &mut answer) };
    (status, serde_json::from_str(&take(answer)).unwrap())
}

#[test]
fn verifier_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<GrantexVerifier>();
}

#[test]
fn status_constants_match_the_core_numbers() {
    let constants = [
        GRANTEX_STATUS_MALFORMED_TOKEN,
        GRANTEX_STATUS_TOKEN_TOO_LARGE,
        GRANTEX_STATUS_UNSUPPORTED_ALGORITHM,
        GRANTEX_STATUS_UNKNOWN_KEY,
        GRANTEX_STATUS_INVALID_KEY,
        GRANTEX_STATUS_INVALID_SIGNATURE,
        GRANTEX_STATUS_UNSUPPORTED_CRITICAL_HEADER,
        GRANTEX_STATUS_WRONG_TOKEN_TYPE,
        GRANTEX_STATUS_MISSING_CLAIM,
        GRANTEX_STATUS_INVALID_CLAIM,
        GRANTEX_STATUS_EXPIRED,
        GRANTEX_STATUS_NOT_YET_VALID,
        GRANTEX_STATUS_ISSUED_IN_FUTURE,
        GRANTEX_STATUS_INVALID_ISSUER,
        GRANTEX_STATUS_INVALID_AUDIENCE,
        GRANTEX_STATUS_INSUFFICIENT_SCOPE,
        GRANTEX_STATUS_DELEGATION_DEPTH_EXCEEDED,
        GRANTEX_STATUS_REVOKED,
        GRANTEX_STATUS_INVALID_JWKS,
        GRANTEX_STATUS_INVALID_OPTIONS,
        GRANTEX_STATUS_INVALID_SCOPE,
        GRANTEX_STATUS_INVALID_DISCLOSURE,
        GRANTEX_STATUS_DUPLICATE_DISCLOSURE,
        GRANTEX_STATUS_KEY_BINDING_REQUIRED,
        GRANTEX_STATUS_INVALID_KEY_BINDING,
        GRANTEX_STATUS_INVALID_CREDENTIAL,
        GRANTEX_STATUS_UNTRUSTED_ISSUER,
        GRANTEX_STATUS_STATUS_UNAVAILABLE,
        GRANTEX_STATUS_INVALID_STATUS_LIST,
        GRANTEX_STATUS_INVALID_DID,
        GRANTEX_STATUS_BROKEN_CHAIN,
        GRANTEX_STATUS_INVALID_INPUT,
        GRANTEX_STATUS_INTERNAL,
        GRANTEX_STATUS_JWKS_UNAVAILABLE,
    ];
    assert_eq!(
        constants.len(),
        ErrorCode::ALL.len(),
        "a code was added to the core: add its constant"
    );
    for (constant, code) in constants.into_iter().zip(ErrorCode::ALL) {
        assert_eq!(constant, code.number(), "{code}");
        // SAFETY: static strings.
        let name = unsafe { CStr::from_ptr(grantex_error_code_name(constant)) };
        assert_eq!(name.to_str().unwrap(), code.as_str());
    }
    // SAFETY: static strings.
    assert_eq!(
        unsafe { CStr::from_ptr(grantex_error_code_name(0)) }
            .to_str()
            .unwrap(),
        "OK"
    );
    assert!(grantex_error_code_name(-1).is_null());
    assert!(grantex_error_code_name(ErrorCode::ALL.len() as i32 + 1).is_null());
    assert!(grantex_error_code_name(i32::MAX).is_null());
    assert!(grantex_error_code_name(i32::MIN).is_null());
    // SAFETY: static string.
    let version = unsafe { CStr::from_ptr(grantex_version()) }
        .to_str()
        .unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn verifies_a_valid_token_and_reports_errors_with_status() {
    let (jwks, token, options, expected) = valid_case();
    let v = new_verifier(&jwks);
    let (status, answer) = verify(v, &token, &options);
    assert_eq!(status, GRANTEX_OK);
    assert_eq!(answer, json!({"ok": true, "value": expected}));

    // A flipped signature character.
    let mut bad = token.clone().into_bytes();
    let last = bad.len() - 2;
    bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
    let (status, answer) = verify(v, std::str::from_utf8(&bad).unwrap(), &options);
    assert_eq!(status, GRANTEX_STATUS_INVALID_SIGNATURE);
    assert_eq!(answer["error"]["code"], json!("INVALID_SIGNATURE"));

    // Options fail closed.
    let (status, answer) = verify(v, &token, r#"{"now":1,"issuer":"x","requiredScope":["a"]}"#);
    assert_eq!(status, GRANTEX_STATUS_INVALID_OPTIONS);
    assert_eq!(answer["ok"], json!(false));

    // The answer pointer is optional.
    let (t, o) = (cstr(&token), cstr(&options));
    // SAFETY: valid pointers, NULL answer allowed.
    let status = unsafe { grantex_verifier_verify(v, t.as_ptr(), o.as_ptr(), ptr::null_mut()) };
    assert_eq!(status, GRANTEX_OK);
    // SAFETY: freed once.
    unsafe { grantex_verifier_free(v) };
}

#[test]
fn null_and_non_utf8_arguments_are_invalid_input() {
    let (jwks, token, options, _) = valid_case();
    let v = new_verifier(&jwks);
    let bad_utf8 = CString::new(vec![b'{', 0xff, 0xfe, b'}']).unwrap();
    let (t, o) = (cstr(&token), cstr(&options));
    let mut answer = ptr::null_mut();
    // SAFETY: NULL and invalid UTF-8 are part of the contract.
    unsafe {
        assert_eq!(
            grantex_verifier_verify(ptr::null(), t.as_ptr(), o.as_ptr(), &mut answer),
            GRANTEX_STATUS_INVALID_INPUT
        );
        let a: Value = serde_json::from_str(&take(answer)).unwrap();
        assert_eq!(a["error"]["code"], json!("INVALID_INPUT"));
        assert_eq!(
            grantex_verifier_verify(v, ptr::null(), o.as_ptr(), ptr::null_mut()),
            GRANTEX_STATUS_INVALID_INPUT
        );
        assert_eq!(
            grantex_verifier_verify(v, t.as_ptr(), ptr::null(), ptr::null_mut()),
            GRANTEX_STATUS_INVALID_INPUT
        );
        assert_eq!(
            grantex_verifier_verify(v, bad_utf8.as_ptr(), o.as_ptr(), &mut answer),
            GRANTEX_STATUS_INVALID_INPUT
        );
        let answer: Value = serde_json::from_str(&take(answer)).unwrap();
        assert_eq!(answer["error"]["code"], json!("INVALID_INPUT"));

        let mut out = ptr::dangling_mut::<GrantexVerifier>(); // must be overwritten with NULL
        let mut err = ptr::null_mut();
        assert_eq!(
            grantex_verifier_new(ptr::null(), &mut out, &mut err),
            GRANTEX_STATUS_INVALID_INPUT
        );
        assert!(out.is_null());
        let e: Value = serde_json::from_str(&take(err)).unwrap();
        assert_eq!(e["code"], json!("INVALID_INPUT"));
        assert!(e["message"].is_string());
        assert_eq!(
            grantex_verifier_new(bad_utf8.as_ptr(), &mut out, ptr::null_mut()),
            GRANTEX_STATUS_INVALID_INPUT
        );
        let j = cstr(&jwks);
        assert_eq!(
            grantex_verifier_new(j.as_ptr(), ptr::null_mut(), ptr::null_mut()),
            GRANTEX_STATUS_INVALID_INPUT
        );
        let not_jwks = cstr(r#"{"keyz":[]}"#);
        assert_eq!(
            grantex_verifier_new(not_jwks.as_ptr(), &mut out, &mut err),
            GRANTEX_STATUS_INVALID_JWKS
        );
        assert!(out.is_null());
        let e: Value = serde_json::from_str(&take(err)).unwrap();
        assert_eq!(e["code"], json!("INVALID_JWKS"));

        for f in [
            grantex_verify_grant_token_json,
            grantex_jwk_thumbprint_json,
            grantex_decode_unverified_json,
            grantex_audit_verify_chain_json,
            grantex_verify_sd_jwt_json,
            grantex_present_sd_jwt_json,
            grantex_verify_credential_json,
            grantex_verify_credential_upstream_json,
            grantex_status_list_get_json,
            grantex_verify_status_list_credential_json,
            grantex_verify_status_list_token_json,
            grantex_did_web_to_url_json,
            grantex_did_web_from_url_json,
            grantex_did_key_to_jwk_json,
            grantex_agent_did_to_id_json,
            grantex_agent_id_to_did_json,
            grantex_did_document_key_json,
        ] {
            let a: Value = serde_json::from_str(&take(f(ptr::null()))).unwrap();
            assert_eq!(a["error"]["code"], json!("INVALID_INPUT"));
            let a: Value = serde_json::from_str(&take(f(bad_utf8.as_ptr()))).unwrap();
            assert_eq!(a["ok"], json!(false));
        }
        grantex_verifier_free(ptr::null_mut());
        grantex_string_free(ptr::null_mut());
        grantex_verifier_free(v);
    }
}

#[test]
fn json_functions_answer_like_the_core() {
    let (jwks, token, options, expected) = valid_case();
    let request = json!({
        "jwks": serde_json::from_str::<Value>(&jwks).unwrap(),
        "token": token,
        "options": serde_json::from_str::<Value>(&options).unwrap(),
    })
    .to_string();
    let r = cstr(&request);
    // SAFETY: valid pointers.
    let answer: Value = serde_json::from_str(&take(unsafe {
        grantex_verify_grant_token_json(r.as_ptr())
    }))
    .unwrap();
    assert_eq!(answer, json!({"ok": true, "value": expected}));

    let t = cstr(&token);
    // SAFETY: valid pointers.
    let decoded: Value =
        serde_json::from_str(&take(unsafe { grantex_decode_unverified_json(t.as_ptr()) })).unwrap();
    assert_eq!(decoded["value"]["verified"], json!(false));
    assert_eq!(decoded["value"]["payload"]["jti"], expected["tokenId"]);

    let keys: Value = serde_json::from_str(&jwks).unwrap();
    let jwk = cstr(&keys["keys"][0].to_string());
    // SAFETY: valid pointers.
    let thumb: Value =
        serde_json::from_str(&take(unsafe { grantex_jwk_thumbprint_json(jwk.as_ptr()) })).unwrap();
    assert_eq!(thumb["ok"], json!(true));
    assert!(thumb["value"].as_str().unwrap().len() == 43);

    let empty = cstr("[]");
    // SAFETY: valid pointers.
    let report: Value = serde_json::from_str(&take(unsafe {
        grantex_audit_verify_chain_json(empty.as_ptr())
    }))
    .unwrap();
    assert_eq!(
        report,
        json!({"ok": true, "value": {"valid": true, "checkedEntries": 0, "firstBrokenAt": null,
            "firstBrokenIndex": null, "reason": null}})
    );
    let not_entries = cstr(r#"{"entries":[]}"#);
    // SAFETY: valid pointers.
    let report: Value = serde_json::from_str(&take(unsafe {
        grantex_audit_verify_chain_json(not_entries.as_ptr())
    }))
    .unwrap();
    assert_eq!(report["error"]["code"], json!("INVALID_INPUT"));
}

#[test]
fn one_verifier_is_shared_by_many_threads() {
    struct Shared(*const GrantexVerifier);
    impl Shared {
        fn get(&self) -> *const GrantexVerifier {
            self.0
        }
    }
    // SAFETY: GrantexVerifier is Sync (asserted above); the pointer outlives the scoped threads.
    unsafe impl Send for Shared {}
    unsafe impl Sync for Shared {}
    let (jwks, token, options, expected) = valid_case();
    let shared = Shared(new_verifier(&jwks));
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..25 {
                    let (status, answer) = verify(shared.get(), &token, &options);
                    assert_eq!(status, GRANTEX_OK);
                    assert_eq!(answer["value"], expected);
                }
            });
        }
    });
    // SAFETY: every thread has joined; freed once.
    unsafe { grantex_verifier_free(shared.0.cast_mut()) };
}

fn load(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verify_sd_jwt(v: *const GrantexVerifier, presentation: &str, options: &str) -> (i32, Value) {
    let (p, o) = (cstr(presentation), cstr(options));
    let mut answer = ptr::null_mut();
    // SAFETY: valid pointers.
    let status = unsafe { grantex_verifier_verify_sd_jwt(v, p.as_ptr(), o.as_ptr(), &mut answer) };
    (status, serde_json::from_str(&take(answer)).unwrap())
}

#[test]
fn sd_jwt_on_the_verifier_handle() {
    let doc = load("sdjwt.json");
    let cases = doc["cases"].as_array().unwrap();
    let valid = cases
        .iter()
        .find(|c| c["expect"].get("error").is_none())
        .unwrap();
    let failing = cases
        .iter()
        .find(|c| c["expect"].get("error").is_some())
        .unwrap();
    for case in [valid, failing] {
        let v = new_verifier(&doc["keySets"][case["jwks"].as_str().unwrap()].to_string());
        let mut options = case["options"].clone();
        options["now"] = case["now"].clone();
        let (status, answer) = verify_sd_jwt(
            v,
            case["presentation"].as_str().unwrap(),
            &options.to_string(),
        );
        match case["expect"].get("error") {
            Some(code) => {
                assert_eq!(&answer["error"]["code"], code);
                // SAFETY: static string.
                let name = unsafe { CStr::from_ptr(grantex_error_code_name(status)) };
                assert_eq!(name.to_str().unwrap(), code.as_str().unwrap());
            }
            None => {
                assert_eq!(status, GRANTEX_OK, "{answer}");
                assert_eq!(answer["value"]["claims"], case["expect"]["claims"]);
                // The self-contained request reaches the same answer.
                let request = json!({"jwks": doc["keySets"][case["jwks"].as_str().unwrap()],
                    "presentation": case["presentation"], "options": options})
                .to_string();
                let r = cstr(&request);
                // SAFETY: valid pointer.
                let other: Value =
                    serde_json::from_str(&take(unsafe { grantex_verify_sd_jwt_json(r.as_ptr()) }))
                        .unwrap();
                assert_eq!(other, answer);
            }
        }
        // Options fail closed; NULL arguments are INVALID_INPUT.
        let (status, _) = verify_sd_jwt(v, "a~", r#"{"now":1}"#);
        assert_eq!(status, GRANTEX_STATUS_INVALID_OPTIONS);
        let (status, _) = verify_sd_jwt(v, "a~", r#"{"now":1,"anyIssuer":true,"keybinding":{}}"#);
        assert_eq!(status, GRANTEX_STATUS_INVALID_OPTIONS);
        let o = cstr(r#"{"now":1,"anyIssuer":true}"#);
        // SAFETY: NULL is part of the contract.
        unsafe {
            assert_eq!(
                grantex_verifier_verify_sd_jwt(
                    ptr::null(),
                    o.as_ptr(),
                    o.as_ptr(),
                    ptr::null_mut()
                ),
                GRANTEX_STATUS_INVALID_INPUT
            );
            assert_eq!(
                grantex_verifier_verify_sd_jwt(v, ptr::null(), o.as_ptr(), ptr::null_mut()),
                GRANTEX_STATUS_INVALID_INPUT
            );
            assert_eq!(
                grantex_verifier_verify_sd_jwt(v, o.as_ptr(), ptr::null(), ptr::null_mut()),
                GRANTEX_STATUS_INVALID_INPUT
            );
            grantex_verifier_free(v);
        }
    }
}

#[test]
fn credential_presentation_and_status_functions() {
    let upstream = load("upstream/grant-tokens.json");
    let request =
        json!({"sdJwt": upstream["sdJwt"]["full"], "disclose": ["credentialSubject.scopes"]})
            .to_string();
    let r = cstr(&request);
    // SAFETY: valid pointer.
    let answer: Value =
        serde_json::from_str(&take(unsafe { grantex_present_sd_jwt_json(r.as_ptr()) })).unwrap();
    assert_eq!(answer["value"], upstream["sdJwt"]["presentationScopesOnly"]);

    let bit42 = "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";
    for (index, status) in [(42, 1), (41, 0)] {
        let r = cstr(&json!({"list": bit42, "index": index}).to_string());
        // SAFETY: valid pointer.
        let answer: Value =
            serde_json::from_str(&take(unsafe { grantex_status_list_get_json(r.as_ptr()) }))
                .unwrap();
        assert_eq!(answer["value"]["status"], json!(status));
    }

    let doc = load("vc.json");
    let case = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "credential" && c["expect"].get("error").is_none())
        .unwrap();
    let mut request = json!({"jwks": doc["keySets"][case["jwks"].as_str().unwrap()],
        "credential": case["token"], "options": case["options"]});
    if let Some(lists) = case.get("statusLists") {
        request["statusLists"] = lists.clone();
    }
    let r = cstr(&request.to_string());
    // SAFETY: valid pointer.
    let answer: Value =
        serde_json::from_str(&take(unsafe { grantex_verify_credential_json(r.as_ptr()) })).unwrap();
    assert_eq!(answer["ok"], json!(true), "{answer}");
    assert_eq!(answer["value"]["id"], case["expect"]["id"]);
    // SAFETY: valid pointer.
    let upstream_shape: Value = serde_json::from_str(&take(unsafe {
        grantex_verify_credential_upstream_json(r.as_ptr())
    }))
    .unwrap();
    assert_eq!(upstream_shape["valid"], json!(true));
    assert_eq!(upstream_shape["vcId"], case["expect"]["id"]);
}

/// `grantex_verifier_verify_compact` into a buffer of `cap` bytes: (status, announced size, bytes written).
fn verify_compact(
    v: *const GrantexVerifier,
    token: &[u8],
    options: &[u8],
    cap: usize,
) -> (i32, usize, Vec<u8>) {
    let mut out = vec![0u8; cap];
    let mut len = usize::MAX;
    // SAFETY: (pointer, length) pairs of live slices; `out` holds `cap` writable bytes.
    let status = unsafe {
        grantex_verifier_verify_compact(
            v,
            token.as_ptr().cast(),
            token.len(),
            options.as_ptr().cast(),
            options.len(),
            if cap == 0 {
                ptr::null_mut()
            } else {
                out.as_mut_ptr()
            },
            cap,
            &mut len,
        )
    };
    (status, len, out)
}

#[test]
fn compact_verification_matches_the_json_answer() {
    let (jwks, token, options, expected) = valid_case();
    let v = new_verifier(&jwks);
    let (status, need, _) = verify_compact(v, token.as_bytes(), options.as_bytes(), 0);
    assert_eq!(status, GRANTEX_OK);
    // Too small: nothing written.
    let (status, len, out) = verify_compact(v, token.as_bytes(), options.as_bytes(), need - 1);
    assert_eq!((status, len), (GRANTEX_OK, need));
    assert!(out.iter().all(|b| *b == 0));
    let (status, len, out) = verify_compact(v, token.as_bytes(), options.as_bytes(), need + 4);
    assert_eq!((status, len), (GRANTEX_OK, need));
    assert_eq!(out[0], GRANTEX_COMPACT_VERSION);
    // The token id is the first string, after version, flags and two u64 times.
    let id = expected["tokenId"].as_str().unwrap();
    let at = 2 + 16;
    assert_eq!(out[at..at + 4], (id.len() as u32).to_le_bytes());
    assert_eq!(&out[at + 4..at + 4 + id.len()], id.as_bytes());
    assert!(out[need..].iter().all(|b| *b == 0));

    // Errors: the status of the JSON route, the message as output.
    let (status, _) = verify(v, &token, r#"{"now":1,"issuer":"x","requiredScope":["a"]}"#);
    let (compact_status, len, out) = verify_compact(
        v,
        token.as_bytes(),
        br#"{"now":1,"issuer":"x","requiredScope":["a"]}"#,
        1024,
    );
    assert_eq!(compact_status, status);
    assert!(
        std::str::from_utf8(&out[..len])
            .unwrap()
            .contains("requiredScope")
    );
    for (token, want) in [
        (&b"a.b\0c"[..], GRANTEX_STATUS_INVALID_INPUT),
        (&b"a.b.\xff"[..], GRANTEX_STATUS_INVALID_INPUT),
        (&b""[..], GRANTEX_STATUS_MALFORMED_TOKEN),
    ] {
        assert_eq!(verify_compact(v, token, options.as_bytes(), 256).0, want);
    }
    // SAFETY: NULL with a non-zero length is rejected before any read; freed once.
    unsafe {
        assert_eq!(
            grantex_verifier_verify_compact(
                v,
                ptr::null(),
                3,
                ptr::null(),
                0,
                ptr::null_mut(),
                0,
                ptr::null_mut()
            ),
            GRANTEX_STATUS_INVALID_INPUT
        );
        grantex_verifier_free(v);
    }
}
