#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
//! End-to-end tests of the `grantex` binary against the upstream vectors
//! (`tests/vectors/upstream/grant-tokens.json`, clock `T = 1767225660`).

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

const T: &str = "1767225660";
const ISSUER: &str = "https://grantex.dev";
const AUDIENCE: &str = "https://api.targetservice.com";
const THUMBPRINT: &str = "cO71E9uravXBnZHjmLmZ9Fxn1P8n7kAk6WsmYx0kCc8";

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/upstream/grant-tokens.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("upstream vectors")).unwrap()
}

fn vector(name: &str) -> String {
    vectors()[name].as_str().unwrap().to_owned()
}

fn jwks_text() -> String {
    vectors()["jwks"].to_string()
}

/// Writes `content` to a new file of this test binary's scratch directory (tests run in parallel, so
/// every call gets its own file).
fn scratch_file(name: &str, content: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let file = format!("grantex-cli-{}-{n}-{name}", std::process::id());
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(file);
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

fn jwks_file() -> String {
    scratch_file("jwks.json", &jwks_text())
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
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
        // A child that exits without reading stdin closes the pipe; its exit code and output then say why,
        // which the caller's assertions report, so a broken pipe here is not itself the failure.
        if let Err(e) = child.stdin.take().unwrap().write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn verify_root(extra: &[&str]) -> Output {
    let jwks = jwks_file();
    let token = vector("rootGrantToken");
    let mut args = vec!["verify", "--jwks", &jwks, "--issuer", ISSUER];
    args.extend_from_slice(extra);
    args.push(&token);
    grantex(&args, None)
}

/// A one-shot HTTP server on 127.0.0.1 answering `requests` requests with `status` and `body`.
/// Returns the port and a receiver of the request lines it saw.
fn serve(status: &'static str, body: String, requests: usize) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (seen, receiver) = mpsc::channel();
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
            let text = String::from_utf8_lossy(&request).into_owned();
            let _ = seen.send(text.lines().next().unwrap_or_default().to_owned());
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (port, receiver)
}

#[test]
fn valid_root_token_with_audience() {
    let out = verify_root(&["--now", T, "--audience", AUDIENCE]);
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    let grant = out.json();
    assert_eq!(grant["tokenId"], "tok_01J0000000000000000000000T");
    assert_eq!(grant["grantId"], "grnt_01J0000000000000000000000G");
    assert_eq!(grant["principalId"], "user_abc123");
    assert_eq!(
        grant["agentDid"],
        "did:grantex:ag_01J0000000000000000000000A"
    );
    assert_eq!(grant["developerId"], "dev_01J0000000000000000000000D");
    assert_eq!(
        grant["scopes"],
        serde_json::json!(["calendar:read", "payments:initiate:max_500"])
    );
    assert_eq!(grant["issuedAt"], 1767225600);
    assert_eq!(grant["expiresAt"], 1767312000);
    assert_eq!(grant["issuer"], ISSUER);
    assert_eq!(grant["audience"], serde_json::json!([AUDIENCE]));
    assert!(grant.get("delegationDepth").is_none());
    assert!(
        out.stdout.contains("\n  \"tokenId\""),
        "pretty JSON expected: {}",
        out.stdout
    );
}

#[test]
fn audience_policy() {
    assert_eq!(verify_root(&["--now", T]).error_code(), "INVALID_AUDIENCE");
    assert_eq!(
        verify_root(&["--now", T, "--audience", "https://other.example"]).error_code(),
        "INVALID_AUDIENCE"
    );
    assert_eq!(verify_root(&["--now", T, "--any-audience"]).code, 0);
    let any_of = verify_root(&[
        "--now",
        T,
        "--audience",
        "https://other.example",
        "--audience",
        AUDIENCE,
    ]);
    assert_eq!(any_of.code, 0, "{}", any_of.stdout);
}

#[test]
fn time_checks() {
    assert_eq!(
        verify_root(&["--now", "1767312000", "--audience", AUDIENCE]).error_code(),
        "EXPIRED"
    );
    assert_eq!(
        verify_root(&["--now", "1767311999", "--audience", AUDIENCE]).code,
        0
    );
    assert_eq!(
        verify_root(&["--now", "1767225599", "--audience", AUDIENCE]).error_code(),
        "ISSUED_IN_FUTURE"
    );
    let lenient = verify_root(&[
        "--now",
        "1767312000",
        "--leeway",
        "30",
        "--audience",
        AUDIENCE,
    ]);
    assert_eq!(lenient.code, 0, "{}", lenient.stdout);
    // Without --now the system clock is used, and the vectors are expired at wall-clock time.
    assert_eq!(
        verify_root(&["--audience", AUDIENCE]).error_code(),
        "EXPIRED"
    );
}

#[test]
fn required_scopes() {
    let ok = verify_root(&[
        "--now",
        T,
        "--any-audience",
        "--require-scope",
        "calendar:read",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stdout);
    let out = verify_root(&[
        "--now",
        T,
        "--any-audience",
        "--require-scope",
        "payments:initiate",
    ]);
    assert_eq!(out.error_code(), "INSUFFICIENT_SCOPE");
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("payments:initiate")
    );
}

#[test]
fn issuer_mismatch_and_any_issuer() {
    let jwks = jwks_file();
    let token = vector("rootGrantToken");
    let base = ["verify", "--jwks", &jwks, "--now", T, "--any-audience"];
    let mut args = base.to_vec();
    args.extend_from_slice(&["--issuer", "http://localhost:3001", &token]);
    assert_eq!(grantex(&args, None).error_code(), "INVALID_ISSUER");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--any-issuer", &token]);
    assert_eq!(grantex(&args, None).code, 0);
}

#[test]
fn delegated_token_and_depth_limit() {
    let jwks = jwks_file();
    let token = vector("delegatedGrantToken");
    let out = grantex(
        &[
            "verify", "--jwks", &jwks, "--issuer", ISSUER, "--now", T, &token,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let grant = out.json();
    assert_eq!(
        grant["parentAgentDid"],
        "did:grantex:ag_01J0000000000000000000000A"
    );
    assert_eq!(grant["parentGrantId"], "grnt_01J0000000000000000000000G");
    assert_eq!(grant["delegationDepth"], 1);
    let args = [
        "verify",
        "--jwks",
        &jwks,
        "--issuer",
        ISSUER,
        "--now",
        T,
        "--max-delegation-depth",
        "0",
        &token,
    ];
    assert_eq!(
        grantex(&args, None).error_code(),
        "DELEGATION_DEPTH_EXCEEDED"
    );
}

#[test]
fn budget_is_reported() {
    let jwks = jwks_file();
    let token = vector("refreshedTokenWithBudget");
    let out = grantex(
        &[
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISSUER,
            "--now",
            T,
            "--audience",
            AUDIENCE,
            &token,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.json()["budgetRemaining"], 42.5);
}

#[test]
fn tampered_and_foreign_tokens_fail() {
    let token = vector("rootGrantToken");
    let mut tampered = token.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        verify_root_token(&tampered).error_code(),
        "INVALID_SIGNATURE"
    );
    assert_eq!(
        verify_root_token(&vector("vcJwt")).error_code(),
        "WRONG_TOKEN_TYPE"
    );
    assert_eq!(
        verify_root_token("not-a-token").error_code(),
        "MALFORMED_TOKEN"
    );
    let jwks = jwks_file();
    let args = [
        "verify",
        "--jwks",
        &jwks,
        "--issuer",
        ISSUER,
        "--now",
        T,
        "--any-audience",
        "--alg",
        "ES256",
        &token,
    ];
    assert_eq!(grantex(&args, None).error_code(), "UNSUPPORTED_ALGORITHM");
}

fn verify_root_token(token: &str) -> Output {
    let jwks = jwks_file();
    grantex(
        &[
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISSUER,
            "--now",
            T,
            "--any-audience",
            token,
        ],
        None,
    )
}

#[test]
fn token_from_stdin() {
    let jwks = jwks_file();
    let stdin = format!("  {}\n", vector("rootGrantToken"));
    let args = [
        "verify",
        "--jwks",
        &jwks,
        "--issuer",
        ISSUER,
        "--now",
        T,
        "--audience",
        AUDIENCE,
    ];
    let implicit = grantex(&args, Some(&stdin));
    assert_eq!(implicit.code, 0, "{} {}", implicit.stdout, implicit.stderr);
    let mut dash = args.to_vec();
    dash.push("-");
    let explicit = grantex(&dash, Some(&stdin));
    assert_eq!(explicit.code, 0, "{} {}", explicit.stdout, explicit.stderr);
    assert_eq!(implicit.json(), explicit.json());
    assert_eq!(grantex(&dash, Some("")).error_code(), "MALFORMED_TOKEN");

    // The JWKS may come from standard input instead, with the token as the argument.
    let token = vector("rootGrantToken");
    let args = [
        "verify",
        "--jwks",
        "-",
        "--issuer",
        ISSUER,
        "--now",
        T,
        "--audience",
        AUDIENCE,
    ];
    let mut with_token = args.to_vec();
    with_token.push(&token);
    let out = grantex(&with_token, Some(&jwks_text()));
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    assert_eq!(grantex(&args, Some(&jwks_text())).code, 2);
}

#[test]
fn invalid_jwks_is_a_verification_failure() {
    let token = vector("rootGrantToken");
    for (name, content) in [
        ("not-json", "{"),
        ("no-keys", r#"{"kty":"RSA"}"#),
        ("array", "[]"),
    ] {
        let path = scratch_file(name, content);
        let out = grantex(
            &[
                "verify", "--jwks", &path, "--issuer", ISSUER, "--now", T, &token,
            ],
            None,
        );
        assert_eq!(out.error_code(), "INVALID_JWKS", "{name}");
    }
    let missing = grantex(
        &[
            "verify",
            "--jwks",
            "/nonexistent/jwks.json",
            "--issuer",
            ISSUER,
            &token,
        ],
        None,
    );
    assert_eq!(missing.error_code(), "JWKS_UNAVAILABLE");
}

#[test]
fn usage_errors_exit_2() {
    let jwks = jwks_file();
    let token = vector("rootGrantToken");
    let cases: Vec<Vec<&str>> = vec![
        // A JWKS file names no issuer.
        vec!["verify", "--jwks", &jwks, "--now", T, &token],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISSUER,
            "--audience",
            AUDIENCE,
            "--any-audience",
            &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISSUER,
            "--any-issuer",
            &token,
        ],
        vec!["verify", "--any-issuer", &token],
        vec!["verify", &token],
        vec!["verify", "--issuer", "grantex.dev", &token],
        vec![
            "verify", "--jwks", &jwks, "--issuer", ISSUER, "--alg", "HS256", &token,
        ],
        vec![
            "verify",
            "--jwks",
            &jwks,
            "--issuer",
            ISSUER,
            "--now",
            "yesterday",
            &token,
        ],
        vec![
            "verify", "--jwks", &jwks, "--issuer", ISSUER, "--bogus", &token,
        ],
        vec!["frobnicate"],
        vec![],
    ];
    for args in cases {
        let out = grantex(&args, None);
        assert_eq!(out.code, 2, "{args:?}: {} {}", out.stdout, out.stderr);
        assert!(
            out.stdout.is_empty() || args.is_empty(),
            "{args:?}: {}",
            out.stdout
        );
    }
    let out = grantex(&["verify", "--jwks", &jwks, "--now", T, &token], None);
    assert!(
        out.stderr.contains("--issuer") && out.stderr.contains("--any-issuer"),
        "{}",
        out.stderr
    );
}

#[test]
fn jwks_url_with_issuer_derived_from_it() {
    let (port, seen) = serve("200 OK", jwks_text(), 1);
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let token = vector("rootGrantToken");
    let out = grantex(
        &[
            "verify",
            "--jwks",
            &url,
            "--now",
            T,
            "--any-audience",
            &token,
        ],
        None,
    );
    // The derived issuer is http://127.0.0.1:<port>; the upstream token says https://grantex.dev.
    assert_eq!(out.error_code(), "INVALID_ISSUER");
    let message = out.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains(&format!("http://127.0.0.1:{port}")),
        "{message}"
    );
    let request = seen.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(request, "GET /.well-known/jwks.json HTTP/1.1");
}

#[test]
fn jwks_url_with_explicit_issuer() {
    let (port, seen) = serve("200 OK", jwks_text(), 1);
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let token = vector("rootGrantToken");
    let out = grantex(
        &[
            "verify",
            "--jwks",
            &url,
            "--issuer",
            ISSUER,
            "--now",
            T,
            "--audience",
            AUDIENCE,
            &token,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
    assert_eq!(out.json()["tokenId"], "tok_01J0000000000000000000000T");
    assert!(seen.recv_timeout(Duration::from_secs(20)).is_ok());
}

#[test]
fn jwks_url_derived_from_issuer() {
    let (port, seen) = serve("200 OK", jwks_text(), 1);
    let issuer = format!("http://127.0.0.1:{port}");
    let token = vector("rootGrantToken");
    let out = grantex(
        &[
            "verify",
            "--issuer",
            &issuer,
            "--now",
            T,
            "--any-audience",
            &token,
        ],
        None,
    );
    assert_eq!(out.error_code(), "INVALID_ISSUER");
    assert_eq!(
        seen.recv_timeout(Duration::from_secs(20)).unwrap(),
        "GET /.well-known/jwks.json HTTP/1.1"
    );
}

#[test]
fn jwks_fetch_failures() {
    let (port, _seen) = serve("404 Not Found", "{}".to_owned(), 1);
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let token = vector("rootGrantToken");
    let out = grantex(&["verify", "--jwks", &url, "--now", T, &token], None);
    assert_eq!(out.error_code(), "JWKS_UNAVAILABLE");
    assert!(out.stdout.contains("404"), "{}", out.stdout);

    // Nothing listens on a port that was just released.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{closed}/.well-known/jwks.json");
    assert_eq!(
        grantex(&["verify", "--jwks", &url, "--now", T, &token], None).error_code(),
        "JWKS_UNAVAILABLE"
    );

    let (port, _seen) = serve("200 OK", "x".repeat((1 << 20) + 1), 1);
    let url = format!("http://127.0.0.1:{port}/.well-known/jwks.json");
    let out = grantex(&["verify", "--jwks", &url, "--now", T, &token], None);
    assert_eq!(out.error_code(), "JWKS_UNAVAILABLE");
    assert!(out.stdout.contains("1 MiB"), "{}", out.stdout);
}

#[test]
fn decode_prints_unverified_header_and_payload() {
    let token = vector("rootGrantToken");
    for out in [
        grantex(&["decode", &token], None),
        grantex(&["decode"], Some(&format!("{token}\n"))),
    ] {
        assert_eq!(out.code, 0, "{} {}", out.stdout, out.stderr);
        let json = out.json();
        assert_eq!(json["verified"], false);
        assert!(
            json["warning"]
                .as_str()
                .unwrap()
                .starts_with("NOT VERIFIED: ")
        );
        assert_eq!(json["header"]["alg"], "RS256");
        assert_eq!(json["header"]["kid"], "grantex-2026-02");
        assert_eq!(json["payload"]["iss"], ISSUER);
        assert_eq!(json["payload"]["aud"], AUDIENCE);
        assert_eq!(json["payload"]["iat"], 1767225600);
        assert_eq!(json["issuedAt"], "2026-01-01T00:00:00Z");
        assert_eq!(json["expiresAt"], "2026-01-02T00:00:00Z");
        assert!(json.get("notBefore").is_none());
    }
    assert_eq!(
        grantex(&["decode", "a.b"], None).error_code(),
        "MALFORMED_TOKEN"
    );
    assert_eq!(
        grantex(&["decode", "!!!.e30.sig"], None).error_code(),
        "MALFORMED_TOKEN"
    );
}

#[test]
fn thumbprints() {
    let jwks = jwks_file();
    let out = grantex(&["jwks", "thumbprint", &jwks], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!("{THUMBPRINT}  kid=grantex-2026-02  RS256\n")
    );

    let single = vectors()["jwks"]["keys"][0].to_string();
    let out = grantex(&["jwks", "thumbprint", "-"], Some(&single));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, format!("{THUMBPRINT}\n").as_str())
    );

    let out = grantex(&["jwks", "thumbprint", "--json"], Some(&jwks_text()));
    assert_eq!(out.code, 0);
    assert_eq!(
        out.json(),
        serde_json::json!([{"kid": "grantex-2026-02", "thumbprint": THUMBPRINT, "alg": "RS256", "unusable": null}])
    );

    // Unusable keys are listed with their reason; a private member does not change the thumbprint.
    let mut key = vectors()["jwks"]["keys"][0].clone();
    key["d"] = Value::String("AQAB".into());
    key["kid"] = Value::String("private".into());
    let mixed = serde_json::json!({"keys": [key, {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}]})
        .to_string();
    let out = grantex(&["jwks", "thumbprint"], Some(&mixed));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with(&format!("{THUMBPRINT}  kid=private  RS256  UNUSABLE: ")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("-  kid=hmac  -  UNUSABLE: "),
        "{}",
        lines[1]
    );

    let (port, _seen) = serve("200 OK", jwks_text(), 1);
    let out = grantex(
        &[
            "jwks",
            "thumbprint",
            &format!("http://127.0.0.1:{port}/.well-known/jwks.json"),
        ],
        None,
    );
    assert_eq!(
        (out.code, out.stdout.trim()),
        (
            0,
            format!("{THUMBPRINT}  kid=grantex-2026-02  RS256").as_str()
        )
    );

    assert_eq!(
        grantex(&["jwks", "thumbprint"], Some("[1]")).error_code(),
        "INVALID_JWKS"
    );
    assert_eq!(
        grantex(&["jwks", "thumbprint"], Some(r#"{"n":"x"}"#)).error_code(),
        "INVALID_JWKS"
    );
    assert_eq!(
        grantex(&["jwks", "thumbprint", "/nonexistent/jwks.json"], None).error_code(),
        "JWKS_UNAVAILABLE"
    );
}

#[test]
fn version_and_help() {
    let out = grantex(&["--version"], None);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout.trim(),
        format!("grantex {}", env!("CARGO_PKG_VERSION"))
    );
    for args in [
        &["--help"][..],
        &["verify", "--help"],
        &["decode", "--help"],
        &["jwks", "thumbprint", "--help"],
    ] {
        let out = grantex(args, None);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(out.stdout.contains("Examples:"), "{args:?}: {}", out.stdout);
    }
}
