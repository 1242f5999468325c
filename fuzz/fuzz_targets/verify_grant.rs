//! Full grant-token verification (`verify_grant_token`) against a fixed JWKS and a fixed table of options,
//! differential between the native (aws-lc-rs) and pure-Rust (RustCrypto) backends: both must return the
//! identical `Result` (the same `VerifiedGrant`, or an error with the same code), and neither may panic.
//!
//! The input is structured so that the fuzzer starts from valid signed tokens instead of random bytes:
//!
//! * `Edited`: one of the upstream tokens with byte-level edits — reaches size, split, base64, header,
//!   key-selection and signature checks (and, unedited, every claim check with the upstream payloads).
//! * `Spliced`: header / payload / signature segments taken from different tokens or replaced.
//! * `Resigned`: an upstream payload with claims set, removed or duplicated, signed with a fixed Ed25519 key
//!   that is also in the JWKS — the signature verifies, so every claim check is reachable with any payload.
//! * `Raw`: an arbitrary string.
//!
//! Set `GRANTEX_FUZZ_DEBUG=1` to print the decoded input, token and results (useful to inspect seeds).
#![no_main]

#[path = "upstream_vectors.rs"]
mod upstream_vectors;

use std::sync::LazyLock;

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use grantex_core::crypto::{Algorithm, Backend};
use grantex_core::grant::{AudiencePolicy, IssuerPolicy, VerifyOptions, verify_grant_token};
use grantex_core::jwk::KeySet;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use upstream_vectors::{BASE_TOKENS, RSA_JWK};

/// The fixed test clock of the upstream vectors (iat + 60 s).
const T: u64 = 1_767_225_660;
const IAT: u64 = 1_767_225_600;
const EXP_ROOT: u64 = 1_767_312_000;
const EXP_DELEGATED: u64 = 1_767_229_200;
const ED_KID: &str = "fuzz-ed25519";
/// Fixed Ed25519 seed of the fuzz-only signing key (not a secret: test material).
const ED_SEED: [u8; 32] = [0x5a; 32];

struct Fixture {
    signer: Ed25519KeyPair,
    native: KeySet,
    pure: KeySet,
    options: Vec<VerifyOptions>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let signer = Ed25519KeyPair::from_seed_unchecked(&ED_SEED).unwrap();
    let x = URL_SAFE_NO_PAD.encode(signer.public_key().as_ref());
    let jwks = format!(
        r#"{{"keys":[{RSA_JWK},{{"kty":"OKP","crv":"Ed25519","x":"{x}","kid":"{ED_KID}","alg":"EdDSA","use":"sig"}}]}}"#
    );
    let native = KeySet::from_jwks_json_with_backend(&jwks, Backend::Native).unwrap();
    let pure = KeySet::from_jwks_json_with_backend(&jwks, Backend::PureRust).unwrap();
    assert_eq!(native.keys(), pure.keys());
    assert!(native.keys().iter().all(|k| k.unusable.is_none()));

    let algs = vec![Algorithm::RS256, Algorithm::EdDSA];
    let base = |issuer: IssuerPolicy, now: u64| VerifyOptions {
        algorithms: algs.clone(),
        ..VerifyOptions::new(issuer, now)
    };
    let grantex = || IssuerPolicy::Expect("https://grantex.dev".to_owned());
    let options = vec![
        // SDK-compatible: any audience, no scopes required.
        VerifyOptions {
            audience: AudiencePolicy::Any,
            ..base(grantex(), T)
        },
        // Strict default: a token with `aud` is rejected; one required scope; depth limit 1.
        VerifyOptions {
            required_scopes: vec!["calendar:read".to_owned()],
            max_delegation_depth: Some(1),
            ..base(grantex(), T)
        },
        // Expected audience, two required scopes, the last valid second of the root token.
        VerifyOptions {
            audience: AudiencePolicy::Expect(vec![
                "https://other.example".to_owned(),
                "https://api.targetservice.com".to_owned(),
            ]),
            required_scopes: vec![
                "calendar:read".to_owned(),
                "payments:initiate:max_500".to_owned(),
            ],
            ..base(grantex(), EXP_ROOT - 1)
        },
        // Any issuer, leeway, clock before iat, depth limit 0, a scope nobody has.
        VerifyOptions {
            audience: AudiencePolicy::Any,
            required_scopes: vec!["payments:initiate".to_owned()],
            leeway: 30,
            max_delegation_depth: Some(0),
            ..base(IssuerPolicy::Any, IAT - 1)
        },
        // Saturation corners: clock and leeway at u64::MAX, tiny size limit.
        VerifyOptions {
            leeway: u64::MAX,
            max_token_bytes: 600,
            ..base(IssuerPolicy::Any, u64::MAX)
        },
        // RS256 only (the wire default) at the delegated token's expiry.
        VerifyOptions {
            audience: AudiencePolicy::Any,
            ..VerifyOptions::new(grantex(), EXP_DELEGATED)
        },
    ];
    Fixture {
        signer,
        native,
        pure,
        options,
    }
});

#[derive(Debug, Arbitrary)]
struct Input {
    options: u8,
    token: Token,
}

#[derive(Debug, Arbitrary)]
enum Token {
    Edited {
        base: u8,
        edits: Vec<Edit>,
    },
    Resigned {
        base: u8,
        header: HeaderChoice,
        edits: Vec<ClaimEdit>,
        signature: SigChoice,
    },
    Spliced {
        header: Part,
        payload: Part,
        signature: Part,
        extra_segments: Vec<Part>,
    },
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Insert { at: u16, text: String },
    Delete { at: u16, len: u8 },
    Set { at: u16, byte: u8 },
    Truncate { at: u16 },
}

#[derive(Debug, Arbitrary)]
enum Part {
    From { base: u8, segment: u8 },
    Text(String),
    Encoded(Vec<u8>),
    EncodedText(String),
}

#[derive(Debug, Arbitrary)]
enum HeaderChoice {
    /// `{"alg":"EdDSA","kid":"fuzz-ed25519"}`
    Standard,
    NoKid,
    WithTyp(String),
    WithMember {
        name: String,
        value: Value,
    },
    /// Any header text (it is still signed with the Ed25519 key).
    Json(String),
}

#[derive(Debug, Arbitrary)]
enum SigChoice {
    Valid,
    /// Valid, then one bit flipped.
    Flipped {
        at: u8,
        bit: u8,
    },
    /// Valid, then base64url-encoded with a character appended.
    Appended(char),
    Other(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum ClaimEdit {
    Set(Name, Value),
    Remove(Name),
    /// Appends the member even if it exists (duplicate member names).
    Append(Name, Value),
    /// Replaces the whole payload with this text.
    RawPayload(String),
}

#[derive(Debug, Arbitrary)]
enum Name {
    Iss,
    Sub,
    Jti,
    Agt,
    Dev,
    Scp,
    Iat,
    Exp,
    Nbf,
    Aud,
    Grnt,
    ParentAgt,
    ParentGrnt,
    DelegationDepth,
    Bdg,
    Vc,
    Purpose,
    SdAlg,
    Other(String),
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Iss => "iss",
            Name::Sub => "sub",
            Name::Jti => "jti",
            Name::Agt => "agt",
            Name::Dev => "dev",
            Name::Scp => "scp",
            Name::Iat => "iat",
            Name::Exp => "exp",
            Name::Nbf => "nbf",
            Name::Aud => "aud",
            Name::Grnt => "grnt",
            Name::ParentAgt => "parentAgt",
            Name::ParentGrnt => "parentGrnt",
            Name::DelegationDepth => "delegationDepth",
            Name::Bdg => "bdg",
            Name::Vc => "vc",
            Name::Purpose => "purpose",
            Name::SdAlg => "_sd_alg",
            Name::Other(s) => s,
        }
    }
}

const KNOWN_STRINGS: [&str; 10] = [
    "https://grantex.dev",
    "https://api.targetservice.com",
    "https://other.example",
    "calendar:read",
    "payments:initiate:max_500",
    "payments:initiate",
    "did:grantex:ag_01J0000000000000000000000A",
    "grnt_01J0000000000000000000000G",
    "",
    "\u{0}\"\\\u{1F600}",
];

const KNOWN_TIMES: [u64; 5] = [T, IAT, EXP_ROOT, EXP_DELEGATED, 0];

#[derive(Debug, Arbitrary)]
enum Value {
    Str(String),
    Known(u8),
    UInt(u64),
    /// A time near one of the fixed instants.
    Time {
        anchor: u8,
        delta: i16,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Strings(Vec<String>),
    KnownStrings(Vec<u8>),
    Mixed(Vec<Value>),
    Object(Vec<(String, Value)>),
    /// Verbatim JSON text (may be invalid, huge numbers, `1e400`, `-0`, …).
    Raw(String),
}

fn known(i: u8) -> &'static str {
    KNOWN_STRINGS[usize::from(i) % KNOWN_STRINGS.len()]
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

impl Value {
    fn to_json(&self, depth: usize) -> String {
        if depth > 8 {
            return "null".to_owned();
        }
        match self {
            Value::Str(s) => json_str(s),
            Value::Known(i) => json_str(known(*i)),
            Value::UInt(v) => v.to_string(),
            Value::Time { anchor, delta } => {
                let base = KNOWN_TIMES[usize::from(*anchor) % KNOWN_TIMES.len()];
                base.saturating_add_signed(i64::from(*delta)).to_string()
            }
            Value::Int(v) => v.to_string(),
            Value::Float(v) if v.is_finite() => format!("{v:?}"),
            Value::Float(_) => "1e400".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".to_owned(),
            Value::Strings(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|s| json_str(s))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Value::KnownStrings(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| json_str(known(*i)))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Value::Mixed(items) => {
                format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|v| v.to_json(depth + 1))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            Value::Object(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", json_str(k), v.to_json(depth + 1)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Value::Raw(s) => s.clone(),
        }
    }
}

fn base_token(i: u8) -> &'static str {
    BASE_TOKENS[usize::from(i) % BASE_TOKENS.len()]
}

fn segment(token: &str, i: u8) -> &str {
    token.split('.').nth(usize::from(i) % 3).unwrap_or("")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Part {
    fn render(&self) -> String {
        match self {
            Part::From { base, segment: s } => segment(base_token(*base), *s).to_owned(),
            Part::Text(t) => t.clone(),
            Part::Encoded(bytes) => b64(bytes),
            Part::EncodedText(t) => b64(t.as_bytes()),
        }
    }
}

/// The members of an upstream payload as (name, JSON text), in document order.
fn base_members(token: &str) -> Vec<(String, String)> {
    let payload = URL_SAFE_NO_PAD.decode(segment(token, 1)).unwrap();
    // serde_json's map is sorted without `preserve_order`; order does not matter to the verifier.
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&payload).unwrap();
    map.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}

fn render_token(token: &Token, signer: &Ed25519KeyPair) -> String {
    match token {
        Token::Raw(s) => s.clone(),
        Token::Edited { base, edits } => {
            let mut bytes = base_token(*base).as_bytes().to_vec();
            for edit in edits.iter().take(16) {
                let len = bytes.len();
                let at = |at: u16| usize::from(at).min(len);
                match edit {
                    Edit::Insert { at: i, text } => {
                        let i = at(*i);
                        bytes.splice(i..i, text.bytes());
                    }
                    Edit::Delete { at: i, len } => {
                        let i = at(*i);
                        let end = (i + usize::from(*len)).min(bytes.len());
                        bytes.drain(i..end);
                    }
                    Edit::Set { at: i, byte } => {
                        if let Some(b) = bytes.get_mut(at(*i)) {
                            *b = *byte;
                        }
                    }
                    Edit::Truncate { at: i } => bytes.truncate(at(*i)),
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Token::Spliced {
            header,
            payload,
            signature,
            extra_segments,
        } => {
            let mut parts = vec![header.render(), payload.render(), signature.render()];
            parts.extend(extra_segments.iter().take(4).map(Part::render));
            parts.join(".")
        }
        Token::Resigned {
            base,
            header,
            edits,
            signature,
        } => {
            let header = match header {
                HeaderChoice::Standard => format!(r#"{{"alg":"EdDSA","kid":"{ED_KID}"}}"#),
                HeaderChoice::NoKid => r#"{"alg":"EdDSA"}"#.to_owned(),
                HeaderChoice::WithTyp(typ) => {
                    format!(
                        r#"{{"alg":"EdDSA","kid":"{ED_KID}","typ":{}}}"#,
                        json_str(typ)
                    )
                }
                HeaderChoice::WithMember { name, value } => format!(
                    r#"{{"alg":"EdDSA","kid":"{ED_KID}",{}:{}}}"#,
                    json_str(name),
                    value.to_json(0)
                ),
                HeaderChoice::Json(text) => text.clone(),
            };
            let mut members = base_members(base_token(*base));
            let mut raw_payload = None;
            for edit in edits.iter().take(16) {
                match edit {
                    ClaimEdit::Set(name, value) => {
                        let value = value.to_json(0);
                        match members.iter_mut().find(|(k, _)| k == name.as_str()) {
                            Some(slot) => slot.1 = value,
                            None => members.push((name.as_str().to_owned(), value)),
                        }
                    }
                    ClaimEdit::Remove(name) => members.retain(|(k, _)| k != name.as_str()),
                    ClaimEdit::Append(name, value) => {
                        members.push((name.as_str().to_owned(), value.to_json(0)))
                    }
                    ClaimEdit::RawPayload(text) => raw_payload = Some(text.clone()),
                }
            }
            let payload = raw_payload.unwrap_or_else(|| {
                format!(
                    "{{{}}}",
                    members
                        .iter()
                        .map(|(k, v)| format!("{}:{v}", json_str(k)))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            });
            let signing_input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
            let mut sig = signer.sign(signing_input.as_bytes()).as_ref().to_vec();
            let sig = match signature {
                SigChoice::Valid => b64(&sig),
                SigChoice::Flipped { at, bit } => {
                    let i = usize::from(*at) % sig.len();
                    sig[i] ^= 1 << (bit % 8);
                    b64(&sig)
                }
                SigChoice::Appended(c) => format!("{}{c}", b64(&sig)),
                SigChoice::Other(bytes) => b64(bytes),
            };
            format!("{signing_input}.{sig}")
        }
    }
}

fuzz_target!(|input: Input| {
    let f = &*FIXTURE;
    let options = &f.options[usize::from(input.options) % f.options.len()];
    let token = render_token(&input.token, &f.signer);

    let native = verify_grant_token(&f.native, &token, options);
    let pure = verify_grant_token(&f.pure, &token, options);
    if std::env::var_os("GRANTEX_FUZZ_DEBUG").is_some() {
        eprintln!("input: {input:?}\ntoken: {token}\nnative: {native:?}\npure: {pure:?}");
    }
    match (&native, &pure) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "backends return different grants");
            // A verified grant is internally consistent with the options it passed.
            assert!(
                options.now < a.expires_at.saturating_add(options.leeway),
                "accepted an expired token"
            );
            for s in &options.required_scopes {
                assert!(
                    a.scopes.contains(s),
                    "required scope {s:?} missing from an accepted grant"
                );
            }
            if let IssuerPolicy::Expect(iss) = &options.issuer {
                assert_eq!(&a.issuer, iss);
            }
            assert!(!a.token_id.is_empty() && !a.grant_id.is_empty());
        }
        (Err(a), Err(b)) => assert_eq!(
            a.code, b.code,
            "backends fail differently: native {a:?}, pure {b:?}"
        ),
        _ => panic!("backends disagree: native {native:?}, pure {pure:?}"),
    }
});
