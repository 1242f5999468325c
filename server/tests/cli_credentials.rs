#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! End-to-end tests of `grantex sd-jwt present|verify`, `grantex vc verify` and `grantex audit verify`
//! against the vectors: `tests/vectors/upstream/grant-tokens.json` (clock `T = 1767225660`),
//! `tests/vectors/sdjwt.json` (key-binding credentials whose `cnf.jwk` are `tests/vectors/keys/ec-p256.pem`
//! and `ed25519.pem`) and `tests/vectors/audit.json`.

use base64::Engine as _;
use grantex_core::audit::canonical::{self, JsValue};
use grantex_core::crypto::Algorithm;
use grantex_core::sdjwt::{JwsSigner, NativeSigner};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const T: &str = "1767225660";
const VC_ISSUER: &str = "did:web:grantex.dev";
const STATUS_URL: &str =
    "https://grantex.dev/v1/credentials/status/vcsl_01J00000000000000000000000";
/// 131 072-bit list, nothing set.
const EMPTY_LIST: &str = "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
/// Only bit 42 set, as Node's zlib writes it.
const BIT_42_NODE: &str =
    "H4sIAAAAAAAAA-3BMQEAAAzDoEiZf5WT0Qeo6gIAAAAAAAAAAAAAAAAAAACGHjOa7TAAQAAA";
/// Only bit 42 set, as CPython's zlib writes it (other bytes, same bits).
const BIT_42_PYTHON: &str =
    "H4sIAAAAAAAAA-3BMQEAAAjAoEWxf0pt4QPUmQAAAAAAAAAAAAAAAAAAAIBHCzOa7TAAQAAA";

fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors"))
}

fn read_vector_file(name: &str) -> String {
    std::fs::read_to_string(vectors_dir().join(name)).expect(name)
}

fn upstream() -> Value {
    serde_json::from_str(&read_vector_file("upstream/grant-tokens.json")).unwrap()
}

fn upstream_str(pointer: &str) -> String {
    upstream()
        .pointer(pointer)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

/// A case of `sdjwt.json` by name.
fn sdjwt_case(name: &str) -> Value {
    let all: Value = serde_json::from_str(&read_vector_file("sdjwt.json")).unwrap();
    all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no sdjwt.json case {name:?}"))
        .clone()
}

/// Writes `content` to a new file of this test binary's scratch directory (tests run in parallel, so
/// every call gets its own file).
fn scratch_file(name: &str, content: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let file = format!("grantex-cred-{}-{n}-{name}", std::process::id());
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file);
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

fn jwks_file() -> String {
    scratch_file("jwks.json", &upstream()["jwks"].to_string())
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {} {}", self.stdout, self.stderr))
    }

    /// Asserts success (exit 0) and returns stdout parsed as JSON.
    fn ok_json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        self.json()
    }

    /// Asserts the documented failure shape (exit 1, one line of error JSON) and returns the code.
    fn error_code(&self) -> String {
        assert_eq!(
            self.code, 1,
            "stdout: {} stderr: {}",
            self.stdout, self.stderr
        );
        assert_eq!(
            self.stdout.trim_end().lines().count(),
            1,
            "error JSON must be one line: {}",
            self.stdout
        );
        let json = self.json();
        assert!(json["error"]["message"].is_string(), "{json}");
        json["error"]["code"].as_str().unwrap().to_owned()
    }
}

fn grantex(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_grantex"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(var);
    }
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = command.spawn().expect("run grantex");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// A one-shot HTTP server on 127.0.0.1 answering `requests` requests with 200 and `body`.
fn serve(body: String, requests: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

// ---------------------------------------------------------------------------------------------------------
// sd-jwt present / verify
// ---------------------------------------------------------------------------------------------------------

fn sd_verify(presentation: &str, extra: &[&str]) -> Output {
    let jwks = jwks_file();
    let mut args = vec!["sd-jwt", "verify", "--issuer-jwks", &jwks, "--now", T];
    args.extend_from_slice(extra);
    args.push(presentation);
    grantex(&args, None)
}

#[test]
fn present_then_verify_round_trip() {
    let full = upstream_str("/sdJwt/full");
    // One claim, the SD-JWT as an argument.
    let out = grantex(
        &[
            "sd-jwt",
            "present",
            "--disclose",
            "credentialSubject.scopes",
            &full,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().count(), 1);
    let presentation = out.stdout.trim_end().to_owned();
    assert_eq!(presentation, upstream_str("/sdJwt/presentationScopesOnly"));
    let verified = sd_verify(&presentation, &["--issuer", VC_ISSUER]).ok_json();
    let expected =
        sdjwt_case("upstream sdJwt.presentationScopesOnly: valid with id, type, grantId, scopes");
    assert_eq!(
        verified["disclosedClaims"],
        expected["expect"]["disclosedClaims"]
    );
    assert_eq!(verified["claims"], expected["expect"]["claims"]);
    assert_eq!(verified["keyBound"], false);
    assert_eq!(verified["hashAlg"], "sha-256");
    assert_eq!(verified["header"]["typ"], "vc+sd-jwt");
    assert!(verified.get("keyBinding").is_none());

    // Every claim, the SD-JWT on standard input, the `vc.` prefix spelled out on one path.
    let out = grantex(
        &[
            "sd-jwt",
            "present",
            "--disclose",
            "credentialSubject.principalId",
            "--disclose",
            "vc.credentialSubject.developerId",
            "--disclose",
            "credentialSubject.scopes",
            "--disclose",
            "credentialSubject.delegationDepth",
        ],
        Some(&format!("{full}\n")),
    );
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    let presentation = out.stdout.trim_end().to_owned();
    let verified = grantex(
        &[
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks_file(),
            "--any-issuer",
            "--now",
            T,
            "-",
        ],
        Some(&presentation),
    )
    .ok_json();
    let expected = sdjwt_case("upstream sdJwt.full: valid, every subject claim disclosed");
    assert_eq!(
        verified["disclosedClaims"],
        expected["expect"]["disclosedClaims"]
    );
    assert_eq!(verified["disclosedClaims"]["principalId"], "user_abc123");

    // A path that names nothing disclosable.
    let out = grantex(
        &[
            "sd-jwt",
            "present",
            "--disclose",
            "credentialSubject.email",
            &full,
        ],
        None,
    );
    assert_eq!(out.error_code(), "INVALID_INPUT");
}

#[test]
fn sd_jwt_verify_failures() {
    let full = upstream_str("/sdJwt/full");
    assert_eq!(
        sd_verify(&full, &["--issuer", "did:web:other.example"]).error_code(),
        "INVALID_ISSUER"
    );
    let jwks = jwks_file();
    let expired = grantex(
        &[
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--now",
            "1767312000",
            &full,
        ],
        None,
    );
    assert_eq!(expired.error_code(), "EXPIRED");
    let lenient = grantex(
        &[
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--now",
            "1767225599",
            "--leeway",
            "5",
            &full,
        ],
        None,
    );
    assert_eq!(lenient.code, 0, "{}", lenient.stdout);
    assert_eq!(
        sd_verify(&full, &["--issuer", VC_ISSUER, "--alg", "ES256"]).error_code(),
        "UNSUPPORTED_ALGORITHM"
    );
    // Binding asked for, none present (and none possible: no `cnf`).
    assert_eq!(
        sd_verify(
            &full,
            &[
                "--issuer",
                VC_ISSUER,
                "--nonce",
                "n",
                "--aud",
                "https://verifier.example"
            ]
        )
        .error_code(),
        "KEY_BINDING_REQUIRED"
    );
    assert_eq!(
        sd_verify(&upstream_str("/vcJwt"), &["--issuer", VC_ISSUER]).error_code(),
        "MALFORMED_TOKEN"
    );
    let missing = grantex(
        &[
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            "/nonexistent/jwks.json",
            "--issuer",
            VC_ISSUER,
            &full,
        ],
        None,
    );
    assert_eq!(missing.error_code(), "JWKS_UNAVAILABLE");
}

/// The SD-JWT as issued behind a `sdjwt.json` key-binding case: its presentation without the KB-JWT.
fn issued_without_kb(case: &str) -> String {
    let presentation = sdjwt_case(case)["presentation"]
        .as_str()
        .unwrap()
        .to_owned();
    let last = presentation.rfind('~').unwrap();
    presentation[..=last].to_owned()
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `keys/ec-p256.pem` as a private JWK: `x`, `y` from the public key, `d` from the PKCS#8 ECPrivateKey
/// (`INTEGER 1, OCTET STRING (32) d`).
fn ec_p256_private_jwk() -> Value {
    let pem = read_vector_file("keys/ec-p256.pem");
    let public = NativeSigner::from_pkcs8_pem(Algorithm::ES256, &pem)
        .unwrap()
        .public_jwk();
    let der = pem_der(&pem);
    let marker = [0x02, 0x01, 0x01, 0x04, 0x20];
    let at = der.windows(marker.len()).position(|w| w == marker).unwrap() + marker.len();
    json!({"kty": "EC", "crv": "P-256", "x": public["x"], "y": public["y"], "d": b64url(&der[at..at + 32])})
}

/// `keys/ed25519.pem` as a private JWK: the PKCS#8 body ends with the 32-byte seed.
fn ed25519_private_jwk() -> Value {
    let pem = read_vector_file("keys/ed25519.pem");
    let public = NativeSigner::from_pkcs8_pem(Algorithm::EdDSA, &pem)
        .unwrap()
        .public_jwk();
    let der = pem_der(&pem);
    json!({"kty": "OKP", "crv": "Ed25519", "x": public["x"], "d": b64url(&der[der.len() - 32..])})
}

const NONCE: &str = "n-0S6_WzA2Mj";
const VERIFIER: &str = "https://verifier.example";

fn present_with_kb(sd_jwt: &str, key_file: &str, disclose: &[&str]) -> String {
    let mut args = vec!["sd-jwt", "present"];
    for path in disclose {
        args.extend_from_slice(&["--disclose", path]);
    }
    args.extend_from_slice(&[
        "--holder-key",
        key_file,
        "--nonce",
        NONCE,
        "--aud",
        VERIFIER,
        "--iat",
        T,
        sd_jwt,
    ]);
    let out = grantex(&args, None);
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    out.stdout.trim_end().to_owned()
}

#[test]
fn key_binding_round_trip() {
    let es256 = issued_without_kb("dc+sd-jwt with ES256 key binding");
    let eddsa = issued_without_kb("dc+sd-jwt with EdDSA key binding");
    let cases = [
        (
            es256.clone(),
            scratch_file("holder-p256.jwk.json", &ec_p256_private_jwk().to_string()),
            vec!["scopes"],
        ),
        (
            es256,
            vectors_dir()
                .join("keys/ec-p256.pem")
                .to_str()
                .unwrap()
                .to_owned(),
            vec!["scopes"],
        ),
        (
            eddsa.clone(),
            scratch_file(
                "holder-ed25519.jwk.json",
                &ed25519_private_jwk().to_string(),
            ),
            vec!["scopes", "principalId"],
        ),
        (
            eddsa,
            vectors_dir()
                .join("keys/ed25519.pem")
                .to_str()
                .unwrap()
                .to_owned(),
            vec!["principalId"],
        ),
    ];
    for (sd_jwt, key_file, disclose) in cases {
        let presentation = present_with_kb(&sd_jwt, &key_file, &disclose);
        assert!(
            !presentation.ends_with('~'),
            "a KB-JWT ends the presentation: {presentation}"
        );
        let bound = [
            "--issuer",
            "https://grantex.dev",
            "--nonce",
            NONCE,
            "--aud",
            VERIFIER,
        ];
        let verified = sd_verify(&presentation, &bound).ok_json();
        assert_eq!(verified["keyBound"], true, "{key_file}");
        assert_eq!(
            verified["keyBinding"],
            json!({"nonce": NONCE, "audience": VERIFIER, "issuedAt": 1767225660})
        );
        for path in &disclose {
            assert!(
                verified["claims"].get(*path).is_some(),
                "{path} disclosed: {}",
                verified["claims"]
            );
        }
        assert!(verified["claims"].get("_sd").is_none());
        // A present KB-JWT is verified even when binding is not required.
        assert_eq!(
            sd_verify(&presentation, &["--issuer", "https://grantex.dev"]).ok_json()["keyBound"],
            true
        );
        let wrong_nonce = [
            "--issuer",
            "https://grantex.dev",
            "--nonce",
            "other",
            "--aud",
            VERIFIER,
        ];
        assert_eq!(
            sd_verify(&presentation, &wrong_nonce).error_code(),
            "INVALID_KEY_BINDING"
        );
        let wrong_aud = [
            "--issuer",
            "https://grantex.dev",
            "--nonce",
            NONCE,
            "--aud",
            "https://other.example",
        ];
        assert_eq!(
            sd_verify(&presentation, &wrong_aud).error_code(),
            "INVALID_KEY_BINDING"
        );
        // Older than 300 s at verification.
        let stale = grantex(
            &[
                "sd-jwt",
                "verify",
                "--issuer-jwks",
                &jwks_file(),
                "--issuer",
                "https://grantex.dev",
                "--now",
                "1767225961",
                &presentation,
            ],
            None,
        );
        assert_eq!(stale.error_code(), "INVALID_KEY_BINDING");
    }

    // A holder key that is not the credential's `cnf.jwk`.
    let es256 = issued_without_kb("dc+sd-jwt with ES256 key binding");
    let foreign = vectors_dir().join("keys/ed25519.pem");
    let presentation = present_with_kb(&es256, foreign.to_str().unwrap(), &["scopes"]);
    let bound = [
        "--issuer",
        "https://grantex.dev",
        "--nonce",
        NONCE,
        "--aud",
        VERIFIER,
    ];
    assert_eq!(
        sd_verify(&presentation, &bound).error_code(),
        "INVALID_KEY_BINDING"
    );

    // iat defaults to the system clock: far after T, so the KB-JWT is "from the future" at T.
    let out = grantex(
        &[
            "sd-jwt",
            "present",
            "--disclose",
            "scopes",
            "--holder-key",
            foreign.to_str().unwrap(),
            "--nonce",
            NONCE,
            "--aud",
            VERIFIER,
            &issued_without_kb("dc+sd-jwt with EdDSA key binding"),
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        sd_verify(out.stdout.trim_end(), &bound).error_code(),
        "INVALID_KEY_BINDING"
    );
}

#[test]
fn holder_key_errors() {
    let sd_jwt = issued_without_kb("dc+sd-jwt with ES256 key binding");
    let present = |key_file: &str| {
        grantex(
            &[
                "sd-jwt",
                "present",
                "--disclose",
                "scopes",
                "--holder-key",
                key_file,
                "--nonce",
                NONCE,
                "--aud",
                VERIFIER,
                &sd_jwt,
            ],
            None,
        )
    };
    assert_eq!(
        present("/nonexistent/holder.jwk").error_code(),
        "INPUT_UNAVAILABLE"
    );
    let mut jwk = ec_p256_private_jwk();
    jwk["d"] = Value::String(b64url(&[7u8; 32]));
    assert_eq!(
        present(&scratch_file("wrong-d.jwk", &jwk.to_string())).error_code(),
        "INVALID_KEY"
    );
    let public_only = json!({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]});
    assert_eq!(
        present(&scratch_file("public.jwk", &public_only.to_string())).error_code(),
        "INVALID_KEY"
    );
    let weak = vectors_dir().join("keys/rsa-1024.pem");
    assert_eq!(present(weak.to_str().unwrap()).error_code(), "INVALID_KEY");
    // An RSA PKCS#8 key signs RS256.
    let rsa = vectors_dir().join("keys/rsa-2048-b.pem");
    assert_eq!(present(rsa.to_str().unwrap()).code, 0);
    // The SD-JWT must not already carry a KB-JWT.
    let with_kb = sdjwt_case("dc+sd-jwt with ES256 key binding")["presentation"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = grantex(
        &["sd-jwt", "present", "--disclose", "scopes", &with_kb],
        None,
    );
    assert_eq!(out.error_code(), "INVALID_INPUT");
}

// ---------------------------------------------------------------------------------------------------------
// vc verify
// ---------------------------------------------------------------------------------------------------------

/// Upstream's unsigned `GET /v1/credentials/status/:listId` document.
fn status_document(encoded_list: &str) -> String {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/vc/status-list/2021/v1"],
        "id": STATUS_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": VC_ISSUER,
        "issued": "2026-01-01T00:00:00.000Z",
        "credentialSubject": {
            "id": format!("{STATUS_URL}#list"),
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    })
    .to_string()
}

fn vc_verify(extra: &[&str]) -> Output {
    let jwks = jwks_file();
    let vc = upstream_str("/vcJwt");
    let mut args = vec![
        "vc",
        "verify",
        "--jwks",
        &jwks,
        "--trusted-issuer",
        VC_ISSUER,
        "--now",
        T,
    ];
    args.extend_from_slice(extra);
    args.push(&vc);
    grantex(&args, None)
}

fn mapping(source: &str) -> String {
    format!("{STATUS_URL}={source}")
}

#[test]
fn vc_valid_with_the_empty_list() {
    for source in [
        scratch_file("status-doc.json", &status_document(EMPTY_LIST)),
        scratch_file("status-bare.txt", &format!("{EMPTY_LIST}\n")),
        scratch_file("status-string.json", &format!("\"{EMPTY_LIST}\"")),
        scratch_file(
            "status-minimal.json",
            &json!({"credentialSubject": {"encodedList": EMPTY_LIST}}).to_string(),
        ),
    ] {
        let vc = vc_verify(&["--status-list", &mapping(&source)]).ok_json();
        assert_eq!(vc["issuer"], VC_ISSUER, "{source}");
        assert_eq!(vc["id"], "vc_01J0000000000000000000000C");
        assert_eq!(vc["credentialType"], "AgentGrantCredential");
        assert_eq!(vc["subjectId"], "did:grantex:ag_01J0000000000000000000000A");
        assert_eq!(vc["subject"]["principalId"], "user_abc123");
        assert_eq!(vc["dataModel"], "2.0");
        assert_eq!(vc["expiresAt"], 1767312000);
        assert_eq!(
            vc["statusEntries"],
            json!([{"statusListCredential": STATUS_URL, "statusListIndex": 42, "statusPurpose": "revocation", "statusSize": 1, "checked": true}])
        );
    }
    // The list fetched over HTTP.
    let port = serve(status_document(EMPTY_LIST), 1);
    let url =
        format!("http://127.0.0.1:{port}/v1/credentials/status/vcsl_01J00000000000000000000000");
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&url)]).ok_json()["statusEntries"][0]["checked"],
        true
    );
    // A list for another URL is not the credential's list.
    let other = format!(
        "https://grantex.dev/v1/credentials/status/vcsl_other={}",
        scratch_file("s.txt", EMPTY_LIST)
    );
    assert_eq!(
        vc_verify(&["--status-list", &other]).error_code(),
        "STATUS_UNAVAILABLE"
    );
}

#[test]
fn vc_revoked_with_bit_42() {
    for encoded in [BIT_42_NODE, BIT_42_PYTHON] {
        for source in [
            scratch_file("revoked.json", &status_document(encoded)),
            scratch_file("revoked.txt", encoded),
        ] {
            let out = vc_verify(&["--status-list", &mapping(&source)]);
            assert_eq!(out.error_code(), "REVOKED", "{source}");
        }
    }
}

#[test]
fn vc_status_fails_closed() {
    let out = vc_verify(&[]);
    assert_eq!(out.error_code(), "STATUS_UNAVAILABLE");
    assert!(out.stdout.contains(STATUS_URL), "{}", out.stdout);
    // Opting out reports the entry unchecked.
    let vc = vc_verify(&["--no-status-check"]).ok_json();
    assert_eq!(vc["statusEntries"][0]["checked"], false);
    // Sources that cannot be read, or do not decode.
    assert_eq!(
        vc_verify(&["--status-list", &mapping("/nonexistent/list.json")]).error_code(),
        "STATUS_UNAVAILABLE"
    );
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = format!("http://127.0.0.1:{closed}/status");
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&unreachable)]).error_code(),
        "STATUS_UNAVAILABLE"
    );
    for (name, content) in [
        ("garbage.txt", "not a list".to_owned()),
        (
            "short.txt",
            "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAA".to_owned(),
        ),
        ("no-list.json", json!({"credentialSubject": {}}).to_string()),
        (
            "wrong-purpose.json",
            status_document(EMPTY_LIST).replace("\"revocation\"", "\"suspension\""),
        ),
    ] {
        let out = vc_verify(&["--status-list", &mapping(&scratch_file(name, &content))]);
        assert_eq!(out.error_code(), "INVALID_STATUS_LIST", "{name}");
    }
}

/// A status-list credential (VC-JWT) for `id`, signed with the upstream test key.
fn signed_status_list(id: &str, encoded_list: &str) -> String {
    let signer =
        NativeSigner::from_pkcs8_pem(Algorithm::RS256, &upstream_str("/privateKeyPkcs8")).unwrap();
    let header = json!({"alg": "RS256", "kid": "grantex-2026-02", "typ": "JWT"});
    let payload = json!({
        "iss": VC_ISSUER,
        "jti": id,
        "iat": 1767225600,
        "vc": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "credentialSubject": {"id": format!("{id}#list"), "type": "BitstringStatusList", "statusPurpose": "revocation", "encodedList": encoded_list},
        },
    });
    let mut jwt = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(payload.to_string().as_bytes())
    );
    let signature = signer.sign(jwt.as_bytes()).unwrap();
    jwt.push('.');
    jwt.push_str(&b64url(&signature));
    jwt
}

#[test]
fn vc_signed_status_list() {
    let valid = scratch_file(
        "signed-empty.jwt",
        &signed_status_list(STATUS_URL, EMPTY_LIST),
    );
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&valid)]).ok_json()["statusEntries"][0]["checked"],
        true
    );
    let revoked = scratch_file(
        "signed-42.jwt",
        &signed_status_list(STATUS_URL, BIT_42_NODE),
    );
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&revoked)]).error_code(),
        "REVOKED"
    );
    // Signed for another URL: not accepted for this one.
    let elsewhere = scratch_file(
        "signed-other.jwt",
        &signed_status_list(
            "https://grantex.dev/v1/credentials/status/vcsl_other",
            EMPTY_LIST,
        ),
    );
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&elsewhere)]).error_code(),
        "INVALID_STATUS_LIST"
    );
    // Tampered signature.
    let mut jwt = signed_status_list(STATUS_URL, EMPTY_LIST);
    let last = jwt.pop().unwrap();
    jwt.push(if last == 'A' { 'B' } else { 'A' });
    let tampered = scratch_file("signed-tampered.jwt", &jwt);
    assert_eq!(
        vc_verify(&["--status-list", &mapping(&tampered)]).error_code(),
        "INVALID_SIGNATURE"
    );
}

#[test]
fn vc_upstream_format() {
    let empty = scratch_file("empty.json", &status_document(EMPTY_LIST));
    let out = vc_verify(&["--status-list", &mapping(&empty), "--upstream-format"]);
    let answer = out.ok_json();
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["vcId"], "vc_01J0000000000000000000000C");
    assert_eq!(answer["credentialType"], "AgentGrantCredential");
    assert_eq!(answer["issuer"], VC_ISSUER);
    assert_eq!(
        answer["subject"]["grantId"],
        "grnt_01J0000000000000000000000G"
    );
    assert_eq!(answer["expiresAt"], "2026-01-02T00:00:00.000Z");
    assert_eq!(answer["revoked"], false);
    assert_eq!(answer["payload"]["jti"], "vc_01J0000000000000000000000C");

    let revoked = scratch_file("revoked.json", &status_document(BIT_42_NODE));
    let out = vc_verify(&["--status-list", &mapping(&revoked), "--upstream-format"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let answer = out.json();
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["code"], "REVOKED");
    assert_eq!(answer["revoked"], true);
    assert!(answer["error"].is_string());
    assert!(answer.get("expired").is_none());

    let jwks = jwks_file();
    let vc = upstream_str("/vcJwt");
    let out = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--no-status-check",
            "--now",
            "1767312000",
            "--upstream-format",
            &vc,
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.json(),
        json!({"valid": false, "code": "EXPIRED", "revoked": false, "expired": true, "error": out.json()["error"]})
    );

    let out = vc_verify(&["--upstream-format"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["code"], "STATUS_UNAVAILABLE");
    assert_eq!(out.json()["revoked"], false);
}

#[test]
fn vc_verify_failures() {
    let jwks = jwks_file();
    let vc = upstream_str("/vcJwt");
    let untrusted = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            "did:web:other.example",
            "--no-status-check",
            "--now",
            T,
            &vc,
        ],
        None,
    );
    assert_eq!(untrusted.error_code(), "UNTRUSTED_ISSUER");
    let not_a_did = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            "grantex.dev",
            "--no-status-check",
            "--now",
            T,
            &vc,
        ],
        None,
    );
    assert_eq!(not_a_did.error_code(), "INVALID_OPTIONS");
    // The SD-JWT issuer JWT is another kind of token.
    let sd_issuer_jwt = upstream_str("/sdJwt/full")
        .split('~')
        .next()
        .unwrap()
        .to_owned();
    let out = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--no-status-check",
            "--now",
            T,
            &sd_issuer_jwt,
        ],
        None,
    );
    assert_eq!(out.error_code(), "WRONG_TOKEN_TYPE");
    // Standard input, and the JWKS from standard input with the credential as the argument.
    let out = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--no-status-check",
            "--now",
            T,
        ],
        Some(&format!("{vc}\n")),
    );
    assert_eq!(out.ok_json()["id"], "vc_01J0000000000000000000000C");
    let out = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            "-",
            "--trusted-issuer",
            VC_ISSUER,
            "--no-status-check",
            "--now",
            T,
            &vc,
        ],
        Some(&upstream()["jwks"].to_string()),
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let out = grantex(
        &[
            "vc",
            "verify",
            "--jwks",
            "/nonexistent/jwks.json",
            "--trusted-issuer",
            VC_ISSUER,
            "--now",
            T,
            &vc,
        ],
        None,
    );
    assert_eq!(out.error_code(), "JWKS_UNAVAILABLE");
}

// ---------------------------------------------------------------------------------------------------------
// audit verify
// ---------------------------------------------------------------------------------------------------------

/// The chain cases of `audit.json`, parsed with JavaScript semantics (the file holds lone surrogates and
/// number spellings that serde_json would reject or change): (name, entries as JSON text, expected report).
fn audit_cases() -> Vec<(String, String, Value)> {
    let all = canonical::parse(&read_vector_file("audit.json")).unwrap();
    let Some(JsValue::Array(cases)) = all.get("cases") else {
        panic!("audit.json has no cases")
    };
    cases
        .iter()
        .filter_map(|case| {
            let name = match case.get("name") {
                Some(JsValue::String(s)) => s.to_rust_string().unwrap(),
                _ => panic!("case without a name"),
            };
            let expected = case.get("expected")?;
            let entries = case.get("entries").unwrap();
            Some((
                name,
                canonical::stringify(entries),
                serde_json::from_str(&canonical::stringify(expected)).unwrap(),
            ))
        })
        .collect()
}

#[test]
fn audit_chain_vectors() {
    let cases = audit_cases();
    assert!(cases.len() >= 16, "{}", cases.len());
    assert!(
        cases
            .iter()
            .any(|(_, entries, _)| entries.contains("\\ud800")),
        "lone surrogates are exercised"
    );
    for (name, entries, expected) in cases {
        let wrapped = format!("{{\"entries\":{entries},\"nextCursor\":null}}");
        for out in [
            grantex(&["audit", "verify"], Some(&entries)),
            grantex(&["audit", "verify", "-"], Some(&wrapped)),
            grantex(
                &["audit", "verify", &scratch_file("audit.json", &wrapped)],
                None,
            ),
        ] {
            let valid = expected["valid"].as_bool().unwrap();
            assert_eq!(
                out.code,
                if valid { 0 } else { 1 },
                "{name}: {} {}",
                out.stdout,
                out.stderr
            );
            assert_eq!(out.json(), expected, "{name}");
        }
    }
}

#[test]
fn audit_valid_and_tampered_chains() {
    let cases = audit_cases();
    let find = |name: &str| cases.iter().find(|(n, _, _)| n == name).unwrap().1.clone();
    let valid = grantex(
        &[
            "audit",
            "verify",
            &scratch_file("valid.json", &find("spec-8.4-worked-example")),
        ],
        None,
    );
    assert_eq!(
        valid.ok_json(),
        json!({"valid": true, "checkedEntries": 2, "firstBrokenAt": null, "firstBrokenIndex": null, "reason": null})
    );
    let tampered = grantex(&["audit", "verify"], Some(&find("tampered-action")));
    assert_eq!(tampered.code, 1);
    let report = tampered.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["firstBrokenIndex"], 1);
    assert_eq!(report["firstBrokenAt"], "alog_01J0000000000000000000000F");
    assert_eq!(report["reason"], "content");
    let link = grantex(&["audit", "verify"], Some(&find("broken-link")));
    assert_eq!(
        (link.code, link.json()["reason"].clone()),
        (1, json!("link"))
    );
}

#[test]
fn audit_malformed_input() {
    for input in [
        "",
        "{",
        "42",
        "{\"items\":[]}",
        "{\"entries\":5}",
        "[{\"entryId\":1}]",
        "[1,]",
    ] {
        let out = grantex(&["audit", "verify"], Some(input));
        assert_eq!(out.error_code(), "INVALID_INPUT", "{input:?}");
    }
    assert_eq!(
        grantex(&["audit", "verify", "/nonexistent/audit.json"], None).error_code(),
        "INPUT_UNAVAILABLE"
    );
    assert_eq!(
        grantex(&["audit", "verify"], Some("[]")).ok_json()["valid"],
        true
    );
}

// ---------------------------------------------------------------------------------------------------------
// Usage and help
// ---------------------------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let jwks = jwks_file();
    let full = upstream_str("/sdJwt/full");
    let vc = upstream_str("/vcJwt");
    let key = vectors_dir()
        .join("keys/ec-p256.pem")
        .to_str()
        .unwrap()
        .to_owned();
    let list = mapping(&scratch_file("s.txt", EMPTY_LIST));
    let cases: Vec<Vec<&str>> = vec![
        // sd-jwt verify: an issuer decision is required, and exactly one.
        vec!["sd-jwt", "verify", "--issuer-jwks", &jwks, &full],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--any-issuer",
            &full,
        ],
        vec!["sd-jwt", "verify", "--issuer", VC_ISSUER, &full],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--nonce",
            "n",
            &full,
        ],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--aud",
            "a",
            &full,
        ],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--alg",
            "HS256",
            &full,
        ],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            &jwks,
            "--issuer",
            VC_ISSUER,
            "--now",
            "soon",
            &full,
        ],
        vec![
            "sd-jwt",
            "verify",
            "--issuer-jwks",
            "-",
            "--issuer",
            VC_ISSUER,
        ],
        // sd-jwt present: paths required; key binding needs key, nonce and audience together.
        vec!["sd-jwt", "present", &full],
        vec![
            "sd-jwt",
            "present",
            "--disclose",
            "scopes",
            "--holder-key",
            &key,
            &full,
        ],
        vec![
            "sd-jwt",
            "present",
            "--disclose",
            "scopes",
            "--holder-key",
            &key,
            "--nonce",
            "n",
            &full,
        ],
        vec![
            "sd-jwt",
            "present",
            "--disclose",
            "scopes",
            "--nonce",
            "n",
            "--aud",
            "a",
            &full,
        ],
        vec![
            "sd-jwt",
            "present",
            "--disclose",
            "scopes",
            "--iat",
            "1",
            &full,
        ],
        vec!["sd-jwt"],
        // vc verify.
        vec!["vc", "verify", "--jwks", &jwks, &vc],
        vec!["vc", "verify", "--trusted-issuer", VC_ISSUER, &vc],
        vec![
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--status-list",
            "no-equals",
            &vc,
        ],
        vec![
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--status-list",
            &list,
            "--no-status-check",
            &vc,
        ],
        vec![
            "vc",
            "verify",
            "--jwks",
            &jwks,
            "--trusted-issuer",
            VC_ISSUER,
            "--status-list",
            &list,
            "--status-list",
            &list,
            &vc,
        ],
        vec!["vc", "verify", "--jwks", "-", "--trusted-issuer", VC_ISSUER],
        // audit verify.
        vec!["audit", "verify", "a.json", "b.json"],
        vec!["audit", "verify", "--bogus"],
    ];
    for args in cases {
        let out = grantex(&args, None);
        assert_eq!(out.code, 2, "{args:?}: {} {}", out.stdout, out.stderr);
        assert!(
            out.stdout.is_empty() || args.len() == 1,
            "{args:?}: {}",
            out.stdout
        );
    }
}

#[test]
fn help_has_examples() {
    for args in [
        &["sd-jwt", "present", "--help"][..],
        &["sd-jwt", "verify", "--help"],
        &["vc", "verify", "--help"],
        &["audit", "verify", "--help"],
    ] {
        let out = grantex(args, None);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(out.stdout.contains("Examples:"), "{args:?}: {}", out.stdout);
    }
    let vc_help = grantex(&["vc", "verify", "--help"], None).stdout;
    assert!(
        vc_help.contains("STATUS_UNAVAILABLE") && vc_help.contains("--no-status-check"),
        "{vc_help}"
    );
    let top = grantex(&["--help"], None).stdout;
    for command in ["sd-jwt", "vc", "audit"] {
        assert!(top.contains(&format!("  {command} ")), "{top}");
    }
}
