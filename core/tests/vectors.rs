#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! Runs every case of `tests/vectors/grant-tokens.json` (written by `tests/vectorgen`) through the typed API
//! and the JSON API, for every crypto backend compiled into this build.
//!
//! `cargo test -p grantex-core --features pure-rust --test vectors -- --nocapture` covers both backends.

use grantex_core::api::{self, VerifyOptionsJson};
use grantex_core::crypto::Backend;
use grantex_core::grant::{self, VerifiedGrant};
use grantex_core::jwk::KeySet;
use grantex_core::{Error, ErrorCode};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/grant-tokens.json"
);

struct Case {
    name: String,
    key_set: String,
    token: String,
    options: Value,
    expected: Value,
}

fn load() -> (BTreeMap<String, Value>, Vec<Case>) {
    let text = std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("{VECTORS}: {e}"));
    let file: Value = serde_json::from_str(&text).expect("vector file is JSON");
    assert_eq!(file["version"], 1, "vector file version");
    let key_sets: BTreeMap<String, Value> = file["keySets"]
        .as_object()
        .expect("keySets")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut names = BTreeSet::new();
    let cases: Vec<Case> = file["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_owned();
            assert!(names.insert(name.clone()), "duplicate case name {name}");
            assert!(c["description"].is_string(), "{name}: description");
            assert!(
                c["options"]["now"].is_u64(),
                "{name}: options.now must be present"
            );
            let expected = c["expected"].clone();
            match expected["ok"].as_bool() {
                Some(true) => assert!(expected["value"].is_object(), "{name}: expected.value"),
                Some(false) => {
                    let code = expected["error"]["code"]
                        .as_str()
                        .expect("expected.error.code");
                    assert!(
                        ErrorCode::parse(code).is_some(),
                        "{name}: unknown error code {code}"
                    );
                }
                None => panic!("{name}: expected.ok must be a boolean"),
            }
            Case {
                key_set: c["keySet"].as_str().expect("keySet").to_owned(),
                token: c["token"].as_str().expect("token").to_owned(),
                options: c["options"].clone(),
                expected,
                name,
            }
        })
        .collect();
    assert!(cases.len() >= 90, "only {} cases", cases.len());
    (key_sets, cases)
}

/// What a verification answered, reduced to what the vectors compare.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Valid(Value),
    Error(String),
}

fn expected_outcome(expected: &Value) -> Outcome {
    if expected["ok"] == true {
        Outcome::Valid(expected["value"].clone())
    } else {
        Outcome::Error(
            expected["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    }
}

fn typed_outcome(result: Result<VerifiedGrant, Error>) -> Outcome {
    match result {
        Ok(grant) => {
            Outcome::Valid(serde_json::to_value(&grant).expect("VerifiedGrant serializes"))
        }
        Err(e) => Outcome::Error(e.code.as_str().to_owned()),
    }
}

/// The typed path: `VerifyOptionsJson` → `into_options` → `grant::verify_grant_token`.
fn run_typed(keys: &KeySet, case: &Case) -> Outcome {
    let options = serde_json::from_value::<VerifyOptionsJson>(case.options.clone())
        .map_err(|e| Error::new(ErrorCode::InvalidOptions, e.to_string()))
        .and_then(VerifyOptionsJson::into_options);
    // The text parser must reach the same options (or the same error code).
    let parsed = api::parse_verify_options(&case.options.to_string());
    match (&options, &parsed) {
        (Ok(a), Ok(b)) => assert_eq!(
            a, b,
            "{}: options differ between the typed and text parsers",
            case.name
        ),
        (Err(a), Err(b)) => assert_eq!(a.code, b.code, "{}: option errors differ", case.name),
        _ => panic!("{}: typed and text option parsing disagree", case.name),
    }
    let outcome =
        typed_outcome(options.and_then(|o| grant::verify_grant_token(keys, &case.token, &o)));
    // The typed value must also round-trip through VerifiedGrant's Deserialize.
    if let Outcome::Valid(v) = &outcome {
        let back: VerifiedGrant =
            serde_json::from_value(v.clone()).expect("VerifiedGrant deserializes");
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            *v,
            "{}: VerifiedGrant round trip",
            case.name
        );
    }
    outcome
}

fn json_answer_outcome(answer: &str, name: &str) -> Outcome {
    let v: Value =
        serde_json::from_str(answer).unwrap_or_else(|e| panic!("{name}: answer is not JSON: {e}"));
    match v["ok"].as_bool() {
        Some(true) => {
            assert!(v.get("error").is_none(), "{name}: ok answer with error");
            Outcome::Valid(v["value"].clone())
        }
        Some(false) => {
            assert!(
                v["error"]["message"].is_string(),
                "{name}: error answer without message"
            );
            Outcome::Error(v["error"]["code"].as_str().unwrap_or_default().to_owned())
        }
        None => panic!("{name}: answer without ok: {answer}"),
    }
}

/// The JSON path: `api::verify_grant_token_with_keys_json`.
fn run_json(keys: &KeySet, case: &Case) -> Outcome {
    let answer =
        api::verify_grant_token_with_keys_json(keys, &case.token, &case.options.to_string());
    json_answer_outcome(&answer, &case.name)
}

/// The self-contained JSON request (always the default backend).
fn run_request(jwks: &Value, case: &Case) -> Outcome {
    let request = serde_json::json!({ "jwks": jwks, "token": case.token, "options": case.options });
    json_answer_outcome(
        &api::verify_grant_token_json(&request.to_string()),
        &case.name,
    )
}

fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Valid(v) => format!("valid {v}"),
        Outcome::Error(code) => code.clone(),
    }
}

#[test]
fn grant_token_vectors() {
    let (key_sets, cases) = load();
    let mut failures: Vec<String> = Vec::new();
    for backend in Backend::available() {
        let sets: BTreeMap<&str, KeySet> = key_sets
            .iter()
            .map(|(name, jwks)| {
                let set = KeySet::from_jwks_json_with_backend(&jwks.to_string(), backend)
                    .unwrap_or_else(|e| panic!("key set {name} ({}): {e}", backend.name()));
                (name.as_str(), set)
            })
            .collect();
        let (mut valid, mut rejected, mut typed_ok, mut json_ok, mut request_ok) = (0, 0, 0, 0, 0);
        for case in &cases {
            let keys = sets
                .get(case.key_set.as_str())
                .unwrap_or_else(|| panic!("{}: no key set", case.name));
            let want = expected_outcome(&case.expected);
            match want {
                Outcome::Valid(_) => valid += 1,
                Outcome::Error(_) => rejected += 1,
            }
            let typed = run_typed(keys, case);
            if typed == want {
                typed_ok += 1;
            } else {
                failures.push(format!(
                    "[{}] typed {}: expected {}, got {}",
                    backend.name(),
                    case.name,
                    describe(&want),
                    describe(&typed)
                ));
            }
            let json = run_json(keys, case);
            if json == want {
                json_ok += 1;
            } else {
                failures.push(format!(
                    "[{}] json {}: expected {}, got {}",
                    backend.name(),
                    case.name,
                    describe(&want),
                    describe(&json)
                ));
            }
            if backend == Backend::DEFAULT {
                let request = run_request(&key_sets[&case.key_set], case);
                if request == want {
                    request_ok += 1;
                } else {
                    failures.push(format!(
                        "[{}] request {}: expected {}, got {}",
                        backend.name(),
                        case.name,
                        describe(&want),
                        describe(&request)
                    ));
                }
            }
        }
        println!(
            "backend {}: {} cases ({} valid, {} rejected); typed API {}/{} match, JSON API {}/{} match{}",
            backend.name(),
            cases.len(),
            valid,
            rejected,
            typed_ok,
            cases.len(),
            json_ok,
            cases.len(),
            if backend == Backend::DEFAULT {
                format!(
                    ", self-contained request {request_ok}/{} match",
                    cases.len()
                )
            } else {
                String::new()
            }
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
