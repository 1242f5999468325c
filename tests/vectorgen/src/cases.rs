//! The cases. Each one states its expected answer explicitly, from PROTOCOL.md §4.1 (rule order as listed
//! in the core's `grant` module documentation) and the upstream README's expected conclusions.

use crate::keys::{Alg, TestKey, b64, fail};
use crate::model::{
    Case, Expected, Obj, Options, VectorFile, arr, grant_of, js, sign, sign_bytes, sign_segments,
};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Recommended test clock of the upstream README (`iat` + 60 s).
const T: u64 = 1_767_225_660;
const IAT: u64 = 1_767_225_600;
const EXP: u64 = 1_767_312_000;
const DELEGATED_EXP: u64 = 1_767_229_200;
const ISS: &str = "https://grantex.dev";
const AUD: &str = "https://api.targetservice.com";
const AGT_A: &str = "did:grantex:ag_01J0000000000000000000000A";
const AGT_B: &str = "did:grantex:ag_01J0000000000000000000000B";
const AGT_C: &str = "did:grantex:ag_01J0000000000000000000000C";
const DEV: &str = "dev_01J0000000000000000000000D";
const GRNT_G: &str = "grnt_01J0000000000000000000000G";
const GRNT_H: &str = "grnt_01J0000000000000000000000H";
const GRNT_I: &str = "grnt_01J0000000000000000000000I";
const SUB: &str = "user_abc123";
/// `jti` of generated tokens (the upstream ones use `…T`, `…U`, `…V`).
const JTI: &str = "tok_01J0000000000000000000000W";
const KID: &str = "grantex-2026-02";
const KID_B: &str = "grantex-2026-03";
const SCOPES: [&str; 2] = ["calendar:read", "payments:initiate:max_500"];

struct Keys {
    upstream: TestKey,
    rsa_b: TestKey,
    rsa_4096: TestKey,
    rsa_1024: TestKey,
    p256: TestKey,
    p384: TestKey,
    ed25519: TestKey,
}

struct Upstream {
    jwks: Value,
    root: String,
    delegated: String,
    refreshed: String,
    vc: String,
    sd_full: String,
}

struct Gen {
    k: Keys,
    up: Upstream,
}

#[derive(Default)]
struct Cases {
    cases: Vec<Case>,
}

fn decode(seg: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg)
        .unwrap_or_else(|e| fail(&format!("base64: {e}")))
}

fn decode_text(seg: &str) -> String {
    String::from_utf8(decode(seg)).unwrap_or_else(|e| fail(&e.to_string()))
}

fn split3(token: &str) -> (&str, &str, &str) {
    let mut it = token.splitn(3, '.');
    match (it.next(), it.next(), it.next()) {
        (Some(h), Some(p), Some(s)) => (h, p, s),
        _ => fail("not a compact JWS"),
    }
}

/// The payload JSON of a compact JWS.
fn payload_of(token: &str) -> String {
    decode_text(split3(token).1)
}

/// The same base64url text with non-zero unused trailing bits (decodes to the same bytes in lenient
/// decoders; strict base64url rejects it).
fn non_canonical(seg: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if seg.len() % 4 != 2 && seg.len() % 4 != 3 {
        fail("segment has no unused trailing bits");
    }
    let mut bytes = seg.as_bytes().to_vec();
    let Some(last) = bytes.last_mut() else {
        fail("empty segment")
    };
    let index = ALPHABET
        .iter()
        .position(|c| c == last)
        .unwrap_or_else(|| fail("not base64url"));
    *last = ALPHABET
        .get(index + 1)
        .copied()
        .unwrap_or_else(|| fail("no successor"));
    String::from_utf8(bytes).unwrap_or_else(|e| fail(&e.to_string()))
}

/// Changes the character at `at` to another base64url character, keeping the segment canonical.
fn change_char(seg: &str, at: usize) -> String {
    let mut bytes = seg.as_bytes().to_vec();
    let Some(c) = bytes.get_mut(at) else {
        fail("index out of range")
    };
    *c = if *c == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_else(|e| fail(&e.to_string()))
}

/// JSON text padded with spaces until its length is not a multiple of 3 (so its base64 form has padding
/// and unused bits).
fn with_tail(json: String) -> String {
    let mut json = json;
    while json.len().is_multiple_of(3) {
        json.push(' ');
    }
    json
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from a P1363 `r‖s` signature.
fn p1363_to_der(sig: &[u8]) -> Vec<u8> {
    let (r, s) = sig.split_at(sig.len() / 2);
    let int = |x: &[u8]| {
        let start = x
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(x.len().saturating_sub(1));
        let x = x.get(start..).unwrap_or(x);
        let mut out = vec![0x02];
        let pad = x.first().is_some_and(|b| b & 0x80 != 0);
        out.push(u8::try_from(x.len() + usize::from(pad)).unwrap_or_else(|_| fail("too long")));
        if pad {
            out.push(0);
        }
        out.extend_from_slice(x);
        out
    };
    let body = [int(r), int(s)].concat();
    let mut der = vec![0x30];
    if body.len() >= 0x80 {
        der.push(0x81);
    }
    der.push(u8::try_from(body.len()).unwrap_or_else(|_| fail("too long")));
    der.extend_from_slice(&body);
    der
}

fn hdr(alg: &str, kid: &str) -> Obj {
    Obj::header().str("alg", alg).str("kid", kid)
}

/// The generated root-token claims (PROTOCOL.md §3.3 order): no `aud`, so default options accept it.
fn base() -> Obj {
    Obj::claims()
        .str("agt", AGT_A)
        .str("dev", DEV)
        .set("scp", arr(&SCOPES))
        .str("grnt", GRNT_G)
        .str("iss", ISS)
        .str("sub", SUB)
        .str("jti", JTI)
        .set("iat", IAT.to_string())
        .set("exp", EXP.to_string())
}

/// Claims of a delegated token of depth `depth` (no `aud`, as upstream drops it).
fn delegated(depth: u32) -> Obj {
    let (agt, parent_agt, grnt, parent_grnt) = match depth {
        1 => (AGT_B, AGT_A, GRNT_H, GRNT_G),
        _ => (AGT_C, AGT_B, GRNT_I, GRNT_H),
    };
    base()
        .str("agt", agt)
        .set("scp", arr(&["calendar:read"]))
        .str("grnt", grnt)
        .str("parentAgt", parent_agt)
        .str("parentGrnt", parent_grnt)
        .set("delegationDepth", depth.to_string())
        .set("exp", DELEGATED_EXP.to_string())
}

fn opts() -> Options {
    Options::new(T, ISS)
}

impl Cases {
    fn push(
        &mut self,
        name: &str,
        description: &str,
        key_set: &str,
        token: String,
        options: Options,
        expected: Expected,
    ) {
        if self.cases.iter().any(|c| c.name == name) {
            fail(&format!("duplicate case name {name}"));
        }
        self.cases.push(Case {
            name: name.to_owned(),
            description: description.to_owned(),
            key_set: key_set.to_owned(),
            token,
            options,
            expected,
        });
    }

    /// A case that must verify; the expected grant comes from the token's own payload.
    fn valid(
        &mut self,
        name: &str,
        description: &str,
        key_set: &str,
        token: String,
        options: Options,
    ) {
        let grant = grant_of(&payload_of(&token));
        self.push(
            name,
            description,
            key_set,
            token,
            options,
            Expected::valid(grant),
        );
    }

    fn reject(
        &mut self,
        name: &str,
        description: &str,
        key_set: &str,
        token: String,
        options: Options,
        code: &'static str,
    ) {
        self.push(
            name,
            description,
            key_set,
            token,
            options,
            Expected::error(code),
        );
    }
}

impl Gen {
    /// RS256 with the upstream key and `kid` `grantex-2026-02`.
    fn rs(&self, claims: &Obj, case: &str) -> String {
        sign(
            &self.k.upstream,
            Alg::RS256,
            &hdr("RS256", KID),
            claims,
            case,
        )
    }

    /// RS256 with the upstream key over a raw payload text.
    fn rs_raw(&self, payload: &[u8], case: &str) -> String {
        sign_bytes(
            &self.k.upstream,
            Alg::RS256,
            hdr("RS256", KID).render().as_bytes(),
            payload,
            case,
        )
    }
}

fn key_sets(k: &Keys, up: &Upstream) -> BTreeMap<String, Value> {
    let jwk = |key: &TestKey, extra: &[(&str, &str)]| {
        let mut m: Map<String, Value> = key.public_jwk();
        for (name, value) in extra {
            m.insert((*name).to_owned(), Value::String((*value).to_owned()));
        }
        Value::Object(m)
    };
    let mut leaked = jwk(
        &k.rsa_b,
        &[("kid", "leaked-private"), ("alg", "RS256"), ("use", "sig")],
    );
    if let Value::Object(m) = &mut leaked {
        m.insert(
            "d".to_owned(),
            Value::String(k.rsa_b.rsa_private_exponent()),
        );
    }
    let mut ops = jwk(&k.rsa_b, &[("kid", "ops-encrypt")]);
    if let Value::Object(m) = &mut ops {
        m.insert("key_ops".to_owned(), json!(["encrypt"]));
    }
    let main = vec![
        jwk(
            &k.upstream,
            &[("kid", KID), ("alg", "RS256"), ("use", "sig")],
        ),
        jwk(
            &k.rsa_b,
            &[("kid", KID_B), ("alg", "RS256"), ("use", "sig")],
        ),
        jwk(&k.rsa_4096, &[("kid", "rsa-4096")]),
        jwk(
            &k.p256,
            &[("kid", "ec-p256"), ("alg", "ES256"), ("use", "sig")],
        ),
        jwk(
            &k.p384,
            &[("kid", "ec-p384"), ("alg", "ES384"), ("use", "sig")],
        ),
        jwk(
            &k.ed25519,
            &[("kid", "ed25519"), ("alg", "EdDSA"), ("use", "sig")],
        ),
        jwk(
            &k.rsa_b,
            &[("kid", "ps256-2026"), ("alg", "PS256"), ("use", "sig")],
        ),
        jwk(
            &k.rsa_1024,
            &[("kid", "weak-rsa-1024"), ("alg", "RS256"), ("use", "sig")],
        ),
        jwk(&k.rsa_b, &[("kid", "enc-2026"), ("use", "enc")]),
        ops,
        leaked,
        json!({"kty": "oct", "kid": "hmac-secret", "k": b64(b"not a public key")}),
    ];
    let mut sets = BTreeMap::new();
    sets.insert("upstream".to_owned(), up.jwks.clone());
    sets.insert("main".to_owned(), json!({ "keys": main }));
    sets.insert(
        "two-rsa".to_owned(),
        json!({ "keys": [
            jwk(&k.upstream, &[("kid", KID), ("alg", "RS256"), ("use", "sig")]),
            jwk(&k.rsa_b, &[("kid", KID_B), ("alg", "RS256"), ("use", "sig")]),
        ]}),
    );
    sets.insert(
        "duplicate-kid".to_owned(),
        json!({ "keys": [
            jwk(&k.upstream, &[("kid", KID), ("alg", "RS256"), ("use", "sig")]),
            jwk(&k.rsa_b, &[("kid", KID), ("alg", "RS256"), ("use", "sig")]),
        ]}),
    );
    sets.insert(
        "kidless-key".to_owned(),
        json!({ "keys": [ jwk(&k.upstream, &[]) ] }),
    );
    sets
}

fn load_upstream(path: &Path) -> (Upstream, String) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let v: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let s = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| fail(name))
    };
    let sd_full = v
        .pointer("/sdJwt/full")
        .and_then(Value::as_str)
        .unwrap_or_else(|| fail("sdJwt.full"))
        .to_owned();
    let up = Upstream {
        jwks: v.get("jwks").cloned().unwrap_or_else(|| fail("jwks")),
        root: s("rootGrantToken"),
        delegated: s("delegatedGrantToken"),
        refreshed: s("refreshedTokenWithBudget"),
        vc: s("vcJwt"),
        sd_full,
    };
    (up, s("privateKeyPkcs8"))
}

/// Builds every case.
pub fn generate(keys_dir: &Path, upstream_path: &Path) -> VectorFile {
    let (up, upstream_pem) = load_upstream(upstream_path);
    let checked_in =
        std::fs::read_to_string(keys_dir.join("rsa-2048-upstream.pem")).unwrap_or_default();
    if checked_in.trim() != upstream_pem.trim() {
        fail("keys/rsa-2048-upstream.pem is not the upstream privateKeyPkcs8");
    }
    let k = Keys {
        upstream: TestKey::rsa(keys_dir, "rsa-2048-upstream.pem"),
        rsa_b: TestKey::rsa(keys_dir, "rsa-2048-b.pem"),
        rsa_4096: TestKey::rsa(keys_dir, "rsa-4096.pem"),
        rsa_1024: TestKey::rsa(keys_dir, "rsa-1024.pem"),
        p256: TestKey::p256(keys_dir, "ec-p256.pem"),
        p384: TestKey::p384(keys_dir, "ec-p384.pem"),
        ed25519: TestKey::ed25519(keys_dir, "ed25519.pem"),
    };
    // The checked-in key must be the one behind the upstream JWKS, and signing must reproduce upstream.
    let ours = k.upstream.public_jwk();
    let theirs = up.jwks.pointer("/keys/0").cloned().unwrap_or(Value::Null);
    if ours.get("n") != theirs.get("n") || ours.get("e") != theirs.get("e") {
        fail("upstream JWKS does not match the upstream private key");
    }
    for token in [&up.root, &up.delegated, &up.refreshed, &up.vc] {
        let (h, p, _) = split3(token);
        if sign_segments(&k.upstream, Alg::RS256, h, p, "reproduce") != *token {
            fail("re-signing an upstream token did not reproduce it byte for byte");
        }
    }
    let key_sets = key_sets(&k, &up);
    let g = Gen { k, up };
    let mut c = Cases::default();
    upstream_cases(&g, &mut c);
    algorithm_cases(&g, &mut c);
    key_cases(&g, &mut c);
    signature_cases(&g, &mut c);
    structure_cases(&g, &mut c);
    size_cases(&g, &mut c);
    kind_cases(&g, &mut c);
    claim_cases(&g, &mut c);
    time_cases(&g, &mut c);
    issuer_cases(&g, &mut c);
    audience_cases(&g, &mut c);
    scope_cases(&g, &mut c);
    delegation_cases(&g, &mut c);
    option_cases(&g, &mut c);
    accepted_cases(&g, &mut c);
    order_cases(&g, &mut c);

    let used: BTreeSet<&str> = c.cases.iter().map(|c| c.key_set.as_str()).collect();
    for name in key_sets.keys() {
        if !used.contains(name.as_str()) {
            fail(&format!("key set {name} is not used"));
        }
    }
    for case in &c.cases {
        if !key_sets.contains_key(&case.key_set) {
            fail(&format!(
                "case {} names unknown key set {}",
                case.name, case.key_set
            ));
        }
    }
    VectorFile {
        version: 1,
        description: "Grant-token verification vectors (PROTOCOL.md §4.1). For each case: build the key set \
            `keySets[keySet]` (a JWKS), verify `token` with `options` (VerifyOptionsJson) and compare with \
            `expected`: on success the VerifiedGrant JSON must be equal; on failure only the error code is \
            compared. Generated by tests/vectorgen from the keys in tests/vectors/keys; upstream-* cases use \
            the upstream tokens of tests/vectors/upstream/grant-tokens.json verbatim."
            .to_owned(),
        key_sets,
        cases: c.cases,
    }
}

/// Every row of the upstream README's "Expected conclusions" grant-token table, on the upstream tokens.
fn upstream_cases(g: &Gen, c: &mut Cases) {
    let root = g.up.root.clone();
    let delegated = g.up.delegated.clone();
    let refreshed = g.up.refreshed.clone();
    let root_grant = grant_of(&payload_of(&root));
    let readme = (
        root_grant.token_id.as_str(),
        root_grant.grant_id.as_str(),
        root_grant.principal_id.as_str(),
        root_grant.agent_did.as_str(),
        root_grant.developer_id.as_str(),
        root_grant.issued_at,
        root_grant.expires_at,
    );
    if readme
        != (
            "tok_01J0000000000000000000000T",
            GRNT_G,
            SUB,
            AGT_A,
            DEV,
            IAT,
            EXP,
        )
    {
        fail("upstream root token does not carry the README values");
    }
    let u = "upstream";
    c.valid(
        "upstream-root-with-audience",
        "Upstream root token, expected audience set: valid with the README fields.",
        u,
        root.clone(),
        opts().audience(AUD),
    );
    c.valid(
        "upstream-root-sdk-compatible-mode",
        "Upstream root token, no audience configured, SDK-compatible mode (anyAudience): valid.",
        u,
        root.clone(),
        opts().any_audience(),
    );
    c.reject("upstream-root-no-audience-strict-default", "Upstream root token, no audience configured, strict default: the token has aud, the verifier expects none (§4.1 rule 9 ★).", u, root.clone(), opts(), "INVALID_AUDIENCE");
    c.reject(
        "upstream-root-other-audience",
        "Upstream root token, expected audience https://other.example: mismatch.",
        u,
        root.clone(),
        opts().audience("https://other.example"),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "upstream-root-required-scope-granted",
        "Upstream root token, requiredScopes [calendar:read]: valid.",
        u,
        root.clone(),
        opts().audience(AUD).scopes(&["calendar:read"]),
    );
    c.reject("upstream-root-required-scope-unconstrained", "Upstream root token, requiredScopes [payments:initiate]: exact matching, payments:initiate:max_500 does not satisfy it.", u, root.clone(), opts().audience(AUD).scopes(&["payments:initiate"]), "INSUFFICIENT_SCOPE");
    c.valid(
        "upstream-root-clock-one-second-before-exp",
        "Upstream root token at now = exp - 1: valid.",
        u,
        root.clone(),
        opts().audience(AUD).now(EXP - 1),
    );
    c.reject(
        "upstream-root-clock-at-exp",
        "Upstream root token at now = exp: expired (now >= exp + leeway).",
        u,
        root.clone(),
        opts().audience(AUD).now(EXP),
        "EXPIRED",
    );
    c.reject(
        "upstream-root-clock-before-iat",
        "Upstream root token at now = iat - 1, leeway 0: issued in the future (ours and PyJWT).",
        u,
        root.clone(),
        opts().audience(AUD).now(IAT - 1),
        "ISSUED_IN_FUTURE",
    );
    c.reject(
        "upstream-root-issuer-localhost",
        "Upstream root token, expected issuer http://localhost:3001: mismatch.",
        u,
        root.clone(),
        opts().audience(AUD).issuer(Some("http://localhost:3001")),
        "INVALID_ISSUER",
    );
    c.valid("upstream-delegated-no-audience", "Upstream delegated token (depth 1, no aud), no audience configured: valid with the parent fields.", u, delegated.clone(), opts());
    c.reject("upstream-delegated-audience-expected", "Upstream delegated token with an expected audience: the token has no aud (upstream drops it on delegation).", u, delegated.clone(), opts().audience(AUD), "INVALID_AUDIENCE");
    c.reject(
        "upstream-delegated-clock-at-exp",
        "Upstream delegated token at now = its exp 1767229200: expired.",
        u,
        delegated.clone(),
        opts().now(DELEGATED_EXP),
        "EXPIRED",
    );
    c.valid("upstream-refreshed-with-budget", "Upstream refreshed token with the root's audience: valid, same grantId as the root, tokenId …V, budgetRemaining 42.5.", u, refreshed, opts().audience(AUD));
    c.reject("upstream-vc-jwt-to-grant-verifier", "The upstream VC-JWT given to the grant verifier: signed by the same key, typ JWT, but the payload has vc.", u, g.up.vc.clone(), opts(), "WRONG_TOKEN_TYPE");
    let sd_issuer =
        g.up.sd_full
            .split('~')
            .next()
            .unwrap_or_default()
            .to_owned();
    c.reject("upstream-sd-jwt-issuer-jwt-to-grant-verifier", "The upstream SD-JWT issuer JWT (part before the first ~) given to the grant verifier: typ vc+sd-jwt.", u, sd_issuer, opts(), "WRONG_TOKEN_TYPE");
    c.reject("upstream-sd-jwt-presentation-to-grant-verifier", "A whole SD-JWT presentation (with ~disclosures) is not a compact JWS: its third segment is not base64url.", u, g.up.sd_full.clone(), opts(), "MALFORMED_TOKEN");

    let (h, p, s) = split3(&root);
    let (h, p, s) = (h.to_owned(), p.to_owned(), s.to_owned());
    let changed_payload = b64(payload_of(&root)
        .replace("user_abc123", "user_abc124")
        .as_bytes());
    c.reject("upstream-root-payload-character-changed", "Upstream root token with one payload character changed (sub user_abc124), original signature.", u, format!("{h}.{changed_payload}.{s}"), opts().audience(AUD), "INVALID_SIGNATURE");
    let changed_header = b64(decode_text(&h).replace("\"kid\"", "\"Kid\"").as_bytes());
    c.reject("upstream-root-header-character-changed", "Upstream root token with one header character changed (\"kid\" → \"Kid\", so no kid and the single key is selected), original signature.", u, format!("{changed_header}.{p}.{s}"), opts().audience(AUD), "INVALID_SIGNATURE");
    c.reject(
        "upstream-root-signature-character-changed",
        "Upstream root token with one signature character changed.",
        u,
        format!("{h}.{p}.{}", change_char(&s, 100)),
        opts().audience(AUD),
        "INVALID_SIGNATURE",
    );
    let none = b64(br#"{"alg":"none"}"#);
    c.reject("upstream-root-alg-none-empty-signature", "Upstream root payload re-sent with header {\"alg\":\"none\"} and an empty signature. Rejected by the alg check, before key lookup.", u, format!("{none}.{p}."), opts().audience(AUD), "UNSUPPORTED_ALGORITHM");
    c.reject("upstream-root-alg-none-with-signature", "Upstream root payload with header {\"alg\":\"none\"} and the original signature: alg none is never accepted.", u, format!("{none}.{p}.{s}"), opts().audience(AUD), "UNSUPPORTED_ALGORITHM");
    let hs_header = b64(hdr("HS256", KID).render().as_bytes());
    let secret = g.k.upstream.rsa_spki_pem();
    let mac_key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret.as_bytes());
    let mac = aws_lc_rs::hmac::sign(&mac_key, format!("{hs_header}.{p}").as_bytes());
    c.reject("upstream-root-hs256-public-key-as-secret", "Upstream root payload HMAC-signed (HS256) with the RSA public key (SPKI PEM text) as the secret: rejected before key lookup.", u, format!("{hs_header}.{p}.{}", b64(mac.as_ref())), opts().audience(AUD), "UNSUPPORTED_ALGORITHM");
    let unknown = sign_segments(
        &g.k.upstream,
        Alg::RS256,
        &b64(hdr("RS256", "grantex-2026-01").render().as_bytes()),
        &p,
        "unknown-kid",
    );
    c.reject("upstream-root-resigned-unknown-kid", "Upstream root payload re-signed with the test key under kid grantex-2026-01: no matching key.", u, unknown, opts().audience(AUD), "UNKNOWN_KEY");
    let no_kid = sign_segments(
        &g.k.upstream,
        Alg::RS256,
        &b64(br#"{"alg":"RS256"}"#),
        &p,
        "no-kid",
    );
    c.valid("upstream-root-resigned-no-kid", "Upstream root payload re-signed with the test key and no kid: the set has exactly one RSA key, valid (TS, Python, ours).", u, no_kid.clone(), opts().audience(AUD));
    c.reject(
        "upstream-root-resigned-no-kid-two-keys",
        "The same kid-less token against a set with two RSA keys: ambiguous.",
        "two-rsa",
        no_kid,
        opts().audience(AUD),
        "UNKNOWN_KEY",
    );
}

fn algorithm_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let claims = base();
    let es256 = sign(
        &g.k.p256,
        Alg::ES256,
        &hdr("ES256", "ec-p256"),
        &claims,
        "es256",
    );
    let es384 = sign(
        &g.k.p384,
        Alg::ES384,
        &hdr("ES384", "ec-p384"),
        &claims,
        "es384",
    );
    let eddsa = sign(
        &g.k.ed25519,
        Alg::EdDSA,
        &hdr("EdDSA", "ed25519"),
        &claims,
        "eddsa",
    );
    let ps256 = sign(
        &g.k.rsa_b,
        Alg::PS256,
        &hdr("PS256", "ps256-2026"),
        &claims,
        "ps256-valid",
    );
    let rs4096 = sign(
        &g.k.rsa_4096,
        Alg::RS256,
        &hdr("RS256", "rsa-4096"),
        &claims,
        "rs256-4096",
    );
    c.valid(
        "rs256-valid",
        "Generated RS256 root token without aud, default options.",
        m,
        g.rs(&claims, "rs256-valid"),
        opts(),
    );
    c.valid(
        "rs256-4096-bit-key-valid",
        "RS256 with a 4096-bit key (JWK without alg/use).",
        m,
        rs4096,
        opts(),
    );
    c.valid(
        "rs256-second-rotation-key-valid",
        "RS256 signed with the second RSA key of the set (kid grantex-2026-03).",
        m,
        sign(&g.k.rsa_b, Alg::RS256, &hdr("RS256", KID_B), &claims, "rot"),
        opts(),
    );
    c.valid(
        "es256-valid-when-allowed",
        "ES256 (RFC 6979 signature) with algorithms [ES256].",
        m,
        es256.clone(),
        opts().algorithms(&["ES256"]),
    );
    c.reject(
        "es256-rejected-by-default",
        "The same ES256 token with default options (RS256 only).",
        m,
        es256.clone(),
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    c.valid(
        "es384-valid-when-allowed",
        "ES384 with algorithms [ES384].",
        m,
        es384.clone(),
        opts().algorithms(&["ES384"]),
    );
    c.reject(
        "es384-rejected-by-default",
        "The same ES384 token with default options.",
        m,
        es384.clone(),
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    c.valid(
        "eddsa-valid-when-allowed",
        "EdDSA (Ed25519) with algorithms [EdDSA].",
        m,
        eddsa.clone(),
        opts().algorithms(&["EdDSA"]),
    );
    c.reject(
        "eddsa-rejected-by-default",
        "The same EdDSA token with default options.",
        m,
        eddsa,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    c.valid(
        "ps256-valid-when-allowed",
        "PS256 (salt derived from the case name) with algorithms [PS256].",
        m,
        ps256.clone(),
        opts().algorithms(&["PS256"]),
    );
    c.reject(
        "ps256-rejected-by-default",
        "The same PS256 token with default options.",
        m,
        ps256,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    c.valid(
        "es256-valid-in-mixed-allow-list",
        "ES256 with algorithms [RS256, ES256].",
        m,
        es256.clone(),
        opts().algorithms(&["RS256", "ES256"]),
    );
    c.reject(
        "es256-not-in-allow-list",
        "ES256 token with algorithms [ES384].",
        m,
        es256,
        opts().algorithms(&["ES384"]),
        "UNSUPPORTED_ALGORITHM",
    );
    c.reject(
        "rs256-not-in-allow-list",
        "RS256 token with algorithms [ES256].",
        m,
        g.rs(&claims, "rs"),
        opts().algorithms(&["ES256"]),
        "UNSUPPORTED_ALGORITHM",
    );
    let es_no_kid = sign(
        &g.k.p256,
        Alg::ES256,
        &Obj::header().str("alg", "ES256"),
        &claims,
        "es-no-kid",
    );
    c.valid(
        "es256-no-kid-single-eligible-key",
        "ES256 without kid: exactly one P-256 key in the set, so it is selected.",
        m,
        es_no_kid,
        opts().algorithms(&["ES256"]),
    );
    let eddsa_no_kid = sign(
        &g.k.ed25519,
        Alg::EdDSA,
        &Obj::header().str("alg", "EdDSA"),
        &claims,
        "ed-no-kid",
    );
    c.valid(
        "eddsa-no-kid-single-eligible-key",
        "EdDSA without kid: exactly one Ed25519 key in the set.",
        m,
        eddsa_no_kid,
        opts().algorithms(&["EdDSA"]),
    );

    let payload = claims.render();
    let with_header = |g: &Gen, header: &str, case: &str| {
        sign_bytes(
            &g.k.upstream,
            Alg::RS256,
            header.as_bytes(),
            payload.as_bytes(),
            case,
        )
    };
    let t = with_header(g, r#"{"alg":"ES512","kid":"grantex-2026-02"}"#, "es512");
    c.reject(
        "alg-unsupported-es512",
        "alg ES512 (a JOSE algorithm this library does not implement), RS256 signature.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"alg":"XYZ","kid":"grantex-2026-02"}"#, "xyz");
    c.reject(
        "alg-unknown",
        "alg XYZ.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"alg":"rs256","kid":"grantex-2026-02"}"#, "lower");
    c.reject(
        "alg-lower-case-rs256",
        "alg rs256: algorithm names are case-sensitive (RFC 7515).",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"kid":"grantex-2026-02"}"#, "no-alg");
    c.reject(
        "alg-missing",
        "Header without alg, valid RS256 signature.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"alg":"None","kid":"grantex-2026-02"}"#, "None");
    c.reject(
        "alg-none-capitalised",
        "alg None with a signature.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"alg":"HS256","kid":"grantex-2026-02"}"#, "hs-rsa");
    c.reject(
        "alg-hs256-with-rsa-signature",
        "alg HS256 over an RS256 signature: HMAC is never accepted.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = with_header(g, r#"{"alg":256,"kid":"grantex-2026-02"}"#, "alg-num");
    c.reject(
        "alg-not-a-string",
        "alg is a number: the header does not have the JOSE shape.",
        m,
        t,
        opts(),
        "MALFORMED_TOKEN",
    );
}

fn key_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let claims = base();
    let rs_kid = |kid: &str, key: &TestKey, case: &str| {
        sign(key, Alg::RS256, &hdr("RS256", kid), &claims, case)
    };
    let t = rs_kid("grantex-2025-12", &g.k.upstream, "unknown");
    c.reject(
        "kid-unknown",
        "kid names no key of the set.",
        m,
        t,
        opts(),
        "UNKNOWN_KEY",
    );
    let t = sign(
        &g.k.upstream,
        Alg::RS256,
        &Obj::header().str("alg", "RS256"),
        &claims,
        "no-kid-main",
    );
    c.reject(
        "kid-missing-several-rsa-keys",
        "No kid and three usable RS256-capable keys: ambiguous.",
        m,
        t.clone(),
        opts(),
        "UNKNOWN_KEY",
    );
    c.reject(
        "kid-missing-two-rsa-keys",
        "No kid and exactly two RSA keys.",
        "two-rsa",
        t.clone(),
        opts(),
        "UNKNOWN_KEY",
    );
    c.valid(
        "kid-missing-one-key",
        "No kid and a set with exactly one key (the upstream JWKS).",
        "upstream",
        t.clone(),
        opts(),
    );
    c.valid(
        "kid-missing-key-without-kid",
        "No kid; the only JWK has no kid, alg or use either.",
        "kidless-key",
        t,
        opts(),
    );
    let t = rs_kid(KID, &g.k.upstream, "kid-vs-kidless");
    c.reject(
        "kid-present-key-without-kid",
        "kid present but the only JWK has no kid: a kid must match exactly one JWK's kid.",
        "kidless-key",
        t,
        opts(),
        "UNKNOWN_KEY",
    );
    let t = rs_kid("ec-p256", &g.k.upstream, "kid-ec");
    c.reject(
        "kid-names-ec-key-for-rs256",
        "RS256 token whose kid names the P-256 key.",
        m,
        t,
        opts(),
        "UNKNOWN_KEY",
    );
    let t = sign(
        &g.k.p256,
        Alg::ES256,
        &hdr("ES256", KID),
        &claims,
        "es-kid-rsa",
    );
    c.reject(
        "kid-names-rsa-key-for-es256",
        "ES256 token (allowed) whose kid names an RSA key.",
        m,
        t,
        opts().algorithms(&["ES256"]),
        "UNKNOWN_KEY",
    );
    let t = sign(
        &g.k.upstream,
        Alg::PS256,
        &hdr("PS256", KID),
        &claims,
        "ps-kid-rs-only",
    );
    c.reject(
        "kid-names-rs256-only-key-for-ps256",
        "PS256 token (allowed) whose kid names a JWK with alg RS256.",
        m,
        t,
        opts().algorithms(&["PS256"]),
        "UNKNOWN_KEY",
    );
    let t = rs_kid(KID, &g.k.upstream, "dup-kid");
    c.reject(
        "kid-duplicate-in-set",
        "Two JWKs share the token's kid (one of them did sign it): ambiguous.",
        "duplicate-kid",
        t,
        opts(),
        "UNKNOWN_KEY",
    );
    let t = rs_kid("weak-rsa-1024", &g.k.rsa_1024, "weak");
    c.reject(
        "kid-names-1024-bit-key",
        "Signed by the 1024-bit key, named by kid: the key is too small to be used.",
        m,
        t,
        opts(),
        "INVALID_KEY",
    );
    let t = rs_kid("enc-2026", &g.k.rsa_b, "enc");
    c.reject("kid-names-encryption-key", "kid names a JWK with use enc (decision: an encryption key is unusable for verification → INVALID_KEY, not UNKNOWN_KEY).", m, t, opts(), "INVALID_KEY");
    let t = rs_kid("ops-encrypt", &g.k.rsa_b, "ops");
    c.reject(
        "kid-names-key-ops-without-verify",
        "kid names a JWK whose key_ops lacks verify.",
        m,
        t,
        opts(),
        "INVALID_KEY",
    );
    let t = rs_kid("leaked-private", &g.k.rsa_b, "leaked");
    c.reject(
        "kid-names-jwk-with-private-member",
        "kid names a JWK that carries the private exponent d: refused.",
        m,
        t,
        opts(),
        "INVALID_KEY",
    );
    let t = rs_kid("hmac-secret", &g.k.upstream, "oct");
    c.reject(
        "kid-names-symmetric-key",
        "RS256 token whose kid names an oct (symmetric) JWK.",
        m,
        t,
        opts(),
        "INVALID_KEY",
    );
    let t = sign_bytes(
        &g.k.upstream,
        Alg::RS256,
        br#"{"alg":"RS256","kid":5}"#,
        claims.render().as_bytes(),
        "kid-num",
    );
    c.reject(
        "kid-not-a-string",
        "kid is a number.",
        m,
        t,
        opts(),
        "MALFORMED_TOKEN",
    );
    let t = sign_bytes(&g.k.upstream, Alg::RS256, br#"{"alg":"RS256","kid":"grantex-2026-02","jku":"https://attacker.example/jwks.json","x5u":"https://attacker.example/cert.pem"}"#, claims.render().as_bytes(), "jku");
    c.valid(
        "header-jku-x5u-ignored",
        "Header jku/x5u are never used to find keys; the kid selects the configured key.",
        m,
        t,
        opts(),
    );
}

fn signature_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let claims = base();
    let good = g.rs(&claims, "sig");
    let (h, p, s) = split3(&good);
    let (h, p, s) = (h.to_owned(), p.to_owned(), s.to_owned());
    let sig = decode(&s);
    let other = sign(
        &g.k.rsa_b,
        Alg::RS256,
        &hdr("RS256", KID),
        &claims,
        "other-key",
    );
    c.reject(
        "signature-from-another-key",
        "Signed by the second RSA key but names the upstream key's kid.",
        m,
        other,
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-payload-flipped",
        "One base64url character of the payload changed after signing.",
        m,
        format!("{h}.{}.{s}", change_char(&p, 40)),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-truncated",
        "Signature shortened to 255 bytes.",
        m,
        format!("{h}.{p}.{}", b64(sig.get(..255).unwrap_or_default())),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-all-zero",
        "256 zero bytes as signature.",
        m,
        format!("{h}.{p}.{}", b64(&[0u8; 256])),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-512-bytes",
        "A 512-byte signature for a 2048-bit key.",
        m,
        format!("{h}.{p}.{}", b64(&[sig.clone(), sig.clone()].concat())),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-longer-than-any-algorithm",
        "A 1100-byte signature (longer than RSA-8192's).",
        m,
        format!("{h}.{p}.{}", b64(&[7u8; 1100])),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-1024-bytes",
        "A 1024-byte signature (the RSA-8192 size) for a 2048-bit key.",
        m,
        format!("{h}.{p}.{}", b64(&[7u8; 1024])),
        opts(),
        "INVALID_SIGNATURE",
    );
    // Canonical base64url of 1025 bytes: well-formed, so the signature check (not the structure) fails.
    c.reject(
        "signature-1025-bytes",
        "A 1025-byte signature, canonical base64url: well-formed but longer than any supported \
         algorithm's, so the signature does not verify.",
        m,
        format!("{h}.{p}.{}", b64(&[7u8; 1025])),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-segment-empty",
        "RS256 header with an empty signature segment: a zero-length signature never verifies.",
        m,
        format!("{h}.{p}."),
        opts(),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-non-canonical-trailing-bits",
        "Signature base64url with non-zero unused trailing bits.",
        m,
        format!("{h}.{p}.{}", non_canonical(&s)),
        opts(),
        "MALFORMED_TOKEN",
    );
    let std_alphabet = match s.find(['-', '_']) {
        Some(i) => {
            let mut t = s.clone();
            let replacement = if s.get(i..=i) == Some("-") { "+" } else { "/" };
            t.replace_range(i..=i, replacement);
            t
        }
        None => fail("signature has no - or _"),
    };
    c.reject(
        "signature-standard-base64-alphabet",
        "Signature in the standard base64 alphabet (+ or /) instead of base64url.",
        m,
        format!("{h}.{p}.{std_alphabet}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    let ps_sig = g.k.rsa_b.sign(
        Alg::PS256,
        format!("{}.{p}", b64(hdr("RS256", KID_B).render().as_bytes())).as_bytes(),
        "pss-as-pkcs1",
    );
    let t = format!(
        "{}.{p}.{}",
        b64(hdr("RS256", KID_B).render().as_bytes()),
        b64(&ps_sig)
    );
    c.reject(
        "signature-pss-under-rs256",
        "alg RS256 but the signature is PSS by the right key: padding confusion.",
        m,
        t,
        opts(),
        "INVALID_SIGNATURE",
    );
    let es = sign(
        &g.k.p256,
        Alg::ES256,
        &hdr("ES256", "ec-p256"),
        &claims,
        "es-der",
    );
    let (eh, ep, es_sig) = split3(&es);
    let der = p1363_to_der(&decode(es_sig));
    c.reject(
        "signature-es256-der-encoded",
        "ES256 signature in ASN.1 DER instead of the JWS r‖s form.",
        m,
        format!("{eh}.{ep}.{}", b64(&der)),
        opts().algorithms(&["ES256"]),
        "INVALID_SIGNATURE",
    );
    c.reject(
        "signature-es256-payload-flipped",
        "ES256 token with one payload character changed.",
        m,
        format!("{eh}.{}.{es_sig}", change_char(ep, 40)),
        opts().algorithms(&["ES256"]),
        "INVALID_SIGNATURE",
    );
    let raw = decode(es_sig);
    c.reject(
        "signature-es256-63-bytes",
        "ES256 signature of 63 bytes.",
        m,
        format!("{eh}.{ep}.{}", b64(raw.get(..63).unwrap_or_default())),
        opts().algorithms(&["ES256"]),
        "INVALID_SIGNATURE",
    );
    let ed = sign(
        &g.k.ed25519,
        Alg::EdDSA,
        &hdr("EdDSA", "ed25519"),
        &claims,
        "ed-flip",
    );
    let (dh, dp, ds) = split3(&ed);
    let mut ed_sig = decode(ds);
    if let Some(b) = ed_sig.first_mut() {
        *b ^= 1;
    }
    c.reject(
        "signature-eddsa-bit-flipped",
        "Ed25519 signature with one bit flipped.",
        m,
        format!("{dh}.{dp}.{}", b64(&ed_sig)),
        opts().algorithms(&["EdDSA"]),
        "INVALID_SIGNATURE",
    );
    let es384 = sign(
        &g.k.p256,
        Alg::ES256,
        &hdr("ES384", "ec-p384"),
        &claims,
        "es256-as-384",
    );
    c.reject(
        "signature-es256-under-es384",
        "alg ES384 naming the P-384 key, but signed with the P-256 key (64-byte signature).",
        m,
        es384,
        opts().algorithms(&["ES384"]),
        "INVALID_SIGNATURE",
    );
}

fn structure_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let claims = base();
    let good = g.rs(&claims, "structure");
    let (h, p, s) = split3(&good);
    let (h, p, s) = (h.to_owned(), p.to_owned(), s.to_owned());
    let up = &g.k.upstream;
    c.reject(
        "structure-two-segments",
        "Only header.payload.",
        m,
        format!("{h}.{p}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-four-segments",
        "header.payload.signature.extra.",
        m,
        format!("{h}.{p}.{s}.{s}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-one-segment",
        "A single segment.",
        m,
        h.clone(),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-empty-string",
        "The empty string.",
        m,
        String::new(),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-header-segment-empty",
        "Empty header segment.",
        m,
        format!(".{p}.{s}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-header-bad-base64url",
        "Header segment contains '*'.",
        m,
        format!("*{h}.{p}.{s}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-bearer-prefix",
        "The token still carries its 'Bearer ' prefix.",
        m,
        format!("Bearer {good}"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-trailing-newline",
        "The token followed by a newline.",
        m,
        format!("{good}\n"),
        opts(),
        "MALFORMED_TOKEN",
    );
    let spaced = with_tail(r#"{"alg":"RS256", "kid":"grantex-2026-02"}"#.to_owned());
    let spaced_seg = b64(spaced.as_bytes());
    c.valid(
        "structure-header-with-whitespace",
        "Header JSON with insignificant whitespace, properly signed: valid.",
        m,
        sign_segments(up, Alg::RS256, &spaced_seg, &p, "ws"),
        opts(),
    );
    let padded = format!("{spaced_seg}{}", "=".repeat((4 - spaced_seg.len() % 4) % 4));
    c.reject(
        "structure-header-padded",
        "Header base64url with '=' padding (signed over the padded form).",
        m,
        sign_segments(up, Alg::RS256, &padded, &p, "hpad"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-header-non-canonical-trailing-bits",
        "Header base64url with non-zero unused bits (signed over that form).",
        m,
        sign_segments(up, Alg::RS256, &non_canonical(&spaced_seg), &p, "hbits"),
        opts(),
        "MALFORMED_TOKEN",
    );
    let payload_text = with_tail(claims.render());
    let pseg = b64(payload_text.as_bytes());
    let ppadded = format!("{pseg}{}", "=".repeat((4 - pseg.len() % 4) % 4));
    c.reject(
        "structure-payload-padded",
        "Payload base64url with '=' padding; the signature over it is valid.",
        m,
        sign_segments(up, Alg::RS256, &h, &ppadded, "ppad"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-payload-non-canonical-trailing-bits",
        "Payload base64url with non-zero unused bits; the signature over it is valid.",
        m,
        sign_segments(up, Alg::RS256, &h, &non_canonical(&pseg), "pbits"),
        opts(),
        "MALFORMED_TOKEN",
    );
    // Claims whose standard-alphabet encoding contains '+' or '/' (the base64url form has '-' or '_').
    let mut std_text = base().str("note", "???>>>").render();
    let mut std_payload = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&std_text);
    while !std_payload.contains(['+', '/']) {
        std_text = std_text.replacen('{', "{ ", 1);
        std_payload = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&std_text);
    }
    c.reject(
        "structure-payload-standard-base64-alphabet",
        "Payload in the standard base64 alphabet ('+', '/'), validly signed.",
        m,
        sign_segments(up, Alg::RS256, &h, &std_payload, "pstd"),
        opts(),
        "MALFORMED_TOKEN",
    );
    c.reject(
        "structure-payload-segment-empty",
        "Empty payload segment, validly signed: the payload is not a JSON object.",
        m,
        sign_segments(up, Alg::RS256, &h, "", "pempty"),
        opts(),
        "MALFORMED_TOKEN",
    );
    let header_cases: [(&str, &str, &[u8]); 7] = [
        ("structure-header-not-json", "Header is not JSON.", b"RS256"),
        (
            "structure-header-json-array",
            "Header is a JSON array.",
            br#"["RS256","grantex-2026-02"]"#,
        ),
        (
            "structure-header-duplicate-alg",
            "Header with alg twice.",
            br#"{"alg":"RS256","alg":"RS256","kid":"grantex-2026-02"}"#,
        ),
        (
            "structure-header-duplicate-kid",
            "Header with kid twice (same value).",
            br#"{"alg":"RS256","kid":"grantex-2026-02","kid":"grantex-2026-02"}"#,
        ),
        (
            "structure-header-duplicate-unknown-member",
            "Header with an unknown member twice.",
            br#"{"alg":"RS256","kid":"grantex-2026-02","x":1,"x":1}"#,
        ),
        (
            "structure-header-nested-duplicate",
            "Header member object with a duplicate name inside.",
            br#"{"alg":"RS256","kid":"grantex-2026-02","ext":{"a":1,"a":2}}"#,
        ),
        (
            "structure-header-trailing-data",
            "Header JSON followed by extra text.",
            br#"{"alg":"RS256","kid":"grantex-2026-02"} x"#,
        ),
    ];
    for (name, description, header) in header_cases {
        let t = sign_bytes(up, Alg::RS256, header, claims.render().as_bytes(), name);
        c.reject(name, description, m, t, opts(), "MALFORMED_TOKEN");
    }
    let dup = |extra: &str| format!("{},{extra}}}", claims.render().trim_end_matches('}'));
    let payload_cases: [(&str, &str, Vec<u8>); 9] = [
        (
            "structure-payload-not-json",
            "Payload is not JSON, validly signed.",
            b"hello".to_vec(),
        ),
        (
            "structure-payload-json-array",
            "Payload is a JSON array, validly signed.",
            br#"[{"sub":"user_abc123"}]"#.to_vec(),
        ),
        (
            "structure-payload-json-string",
            "Payload is a JSON string, validly signed.",
            br#""tok""#.to_vec(),
        ),
        (
            "structure-payload-duplicate-sub",
            "Payload with sub twice (different values).",
            dup(r#""sub":"admin""#).into_bytes(),
        ),
        (
            "structure-payload-duplicate-via-escape",
            "Payload with sub twice, the second spelled \"s\\u0075b\".",
            dup(r#""s\u0075b":"admin""#).into_bytes(),
        ),
        (
            "structure-payload-duplicate-unknown-claim",
            "Payload with an unknown claim twice.",
            dup(r#""ctx":1,"ctx":2"#).into_bytes(),
        ),
        (
            "structure-payload-nested-duplicate",
            "Payload with a duplicate name inside an unknown object claim.",
            dup(r#""ctx":{"role":"user","role":"admin"}"#).into_bytes(),
        ),
        (
            "structure-payload-invalid-utf8",
            "Payload JSON with a raw 0xFF byte inside a string.",
            [b"{\"sub\":\"".as_slice(), &[0xff], b"\"}"].concat(),
        ),
        (
            "structure-payload-lone-surrogate",
            "Payload with a lone surrogate escape in sub.",
            dup(r#""note":"\ud800""#).into_bytes(),
        ),
    ];
    for (name, description, payload) in payload_cases {
        let t = sign_bytes(
            up,
            Alg::RS256,
            hdr("RS256", KID).render().as_bytes(),
            &payload,
            name,
        );
        c.reject(name, description, m, t, opts(), "MALFORMED_TOKEN");
    }
    let t = g.rs_raw(format!("{} x", claims.render()).as_bytes(), "ptrail");
    c.reject(
        "structure-payload-trailing-data",
        "Payload JSON followed by extra text, validly signed.",
        m,
        t,
        opts(),
        "MALFORMED_TOKEN",
    );
    let t = g.rs(
        &claims.clone().set(
            "aud",
            r#"[{"id":"https://api.targetservice.com","id":"x"}]"#,
        ),
        "known-nested-dup",
    );
    c.reject(
        "structure-payload-nested-duplicate-in-known-claim",
        "A duplicate member name nested inside a known claim (aud holding an object): duplicates are \
         rejected at every depth, before claim types are judged.",
        m,
        t,
        opts().any_audience(),
        "MALFORMED_TOKEN",
    );
    let t = sign_bytes(
        up,
        Alg::RS256,
        br#"{"alg":"RS\u0032\u0035\u0036","kid":"grantex\u002d2026-02"}"#,
        claims.render().as_bytes(),
        "escaped-header",
    );
    c.valid(
        "header-members-with-json-escapes",
        "alg and kid spelled with \\u escapes decode to RS256 and grantex-2026-02: valid.",
        m,
        t,
        opts(),
    );
    let crit = sign_bytes(
        up,
        Alg::RS256,
        br#"{"alg":"RS256","kid":"grantex-2026-02","crit":["exp"],"exp":1767312000}"#,
        claims.render().as_bytes(),
        "crit",
    );
    c.reject(
        "header-crit",
        "Header with crit [exp]: no critical extension is supported.",
        m,
        crit,
        opts(),
        "UNSUPPORTED_CRITICAL_HEADER",
    );
    let crit = sign_bytes(up, Alg::RS256, br#"{"alg":"RS256","kid":"grantex-2026-02","crit":["urn:example:ext"],"urn:example:ext":true}"#, claims.render().as_bytes(), "crit2");
    c.reject(
        "header-crit-extension",
        "Header with crit naming a private extension.",
        m,
        crit,
        opts(),
        "UNSUPPORTED_CRITICAL_HEADER",
    );
    let crit = sign_bytes(
        up,
        Alg::RS256,
        br#"{"alg":"RS256","kid":"grantex-2026-02","crit":[]}"#,
        claims.render().as_bytes(),
        "crit3",
    );
    c.reject(
        "header-crit-empty",
        "Header with an empty crit list (forbidden by RFC 7515).",
        m,
        crit,
        opts(),
        "MALFORMED_TOKEN",
    );
    let b64false = sign_bytes(
        up,
        Alg::RS256,
        br#"{"alg":"RS256","kid":"grantex-2026-02","b64":false,"crit":["b64"]}"#,
        claims.render().as_bytes(),
        "b64",
    );
    c.reject(
        "header-b64-false",
        "RFC 7797 unencoded payload (b64 false).",
        m,
        b64false,
        opts(),
        "UNSUPPORTED_CRITICAL_HEADER",
    );
}

fn size_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let header = hdr("RS256", KID).render();
    // 16384 bytes exactly: 52 (header) + 1 + payload + 1 + 342 (signature) → payload segment 15988 chars
    // = 11991 payload bytes.
    let filler = |n: usize| base().str("pad", &"x".repeat(n)).render();
    let empty = filler(0).len();
    let exact = filler(11991 - empty);
    let t = g.rs_raw(exact.as_bytes(), "16k");
    if t.len() != 16384 || b64(header.as_bytes()).len() != 52 {
        fail(&format!("16 KiB token has {} bytes", t.len()));
    }
    c.valid(
        "size-exactly-default-limit",
        "A token of exactly 16384 bytes (the default limit): accepted.",
        m,
        t.clone(),
        opts(),
    );
    c.reject(
        "size-limit-option-one-below",
        "The same token with maxTokenBytes 16383.",
        m,
        t,
        opts().max_bytes(16383),
        "TOKEN_TOO_LARGE",
    );
    let over = g.rs_raw(filler(11992 - empty).as_bytes(), "16k+2");
    if over.len() != 16386 {
        fail(&format!("oversized token has {} bytes", over.len()));
    }
    c.reject(
        "size-over-default-limit",
        "A validly signed token of 16386 bytes, default limit 16384.",
        m,
        over.clone(),
        opts(),
        "TOKEN_TOO_LARGE",
    );
    c.valid(
        "size-limit-option-raised",
        "The 16386-byte token with maxTokenBytes 16386.",
        m,
        over,
        opts().max_bytes(16386),
    );
    let small = g.rs(&base(), "small");
    let n = small.len();
    c.valid(
        "size-limit-option-exact",
        "A normal token with maxTokenBytes equal to its length.",
        m,
        small.clone(),
        opts().max_bytes(n),
    );
    c.reject(
        "size-limit-option-one-byte-short",
        "A normal token with maxTokenBytes one less than its length.",
        m,
        small,
        opts().max_bytes(n - 1),
        "TOKEN_TOO_LARGE",
    );
    c.reject(
        "size-garbage-over-limit",
        "20000 bytes of garbage: the size is checked before anything is parsed.",
        m,
        "A.".repeat(10000),
        opts(),
        "TOKEN_TOO_LARGE",
    );
}

fn kind_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let claims = base();
    let typed = |g: &Gen, typ: &str, case: &str| {
        sign(
            &g.k.upstream,
            Alg::RS256,
            &hdr("RS256", KID).str("typ", typ),
            &claims,
            case,
        )
    };
    c.reject(
        "typ-vc-sd-jwt",
        "Grant claims under typ vc+sd-jwt.",
        m,
        typed(g, "vc+sd-jwt", "sd"),
        opts(),
        "WRONG_TOKEN_TYPE",
    );
    c.reject(
        "typ-kb-jwt",
        "Grant claims under typ kb+jwt (an SD-JWT key-binding JWT).",
        m,
        typed(g, "kb+jwt", "kb"),
        opts(),
        "WRONG_TOKEN_TYPE",
    );
    c.valid(
        "typ-jwt-accepted",
        "typ JWT is accepted.",
        m,
        typed(g, "JWT", "jwt"),
        opts(),
    );
    c.valid(
        "typ-at-jwt-accepted",
        "typ at+jwt (RFC 9068) is accepted.",
        m,
        typed(g, "at+jwt", "at"),
        opts(),
    );
    c.valid("typ-application-at-jwt-accepted", "typ application/at+jwt is accepted (media types: application/ prefix optional, case-insensitive).", m, typed(g, "application/at+jwt", "app-at"), opts());
    for (member, value) in [
        ("vc", r#"{"type":["VerifiableCredential"]}"#),
        ("purpose", r#""principal_dashboard""#),
        ("_sd_alg", r#""sha-256""#),
    ] {
        let name = format!(
            "payload-has-{}",
            member.trim_start_matches('_').replace('_', "-")
        );
        let t = g.rs(&claims.clone().set(member, value), &name);
        c.reject(
            &name,
            &format!("Grant claims plus {member}: another kind of JWT."),
            m,
            t,
            opts(),
            "WRONG_TOKEN_TYPE",
        );
    }
    // Obj::header() keeps claims in insertion order (none of these names is a header name).
    let session = Obj::header()
        .str("dev", DEV)
        .str("purpose", "principal_dashboard")
        .str("iss", ISS)
        .str("sub", SUB)
        .set("iat", IAT.to_string())
        .set("exp", (IAT + 3600).to_string());
    c.reject("principal-session-token", "An upstream-style principal session token (dev, purpose, iss, sub, iat, exp) signed by the same key.", m, g.rs(&session, "session"), opts(), "WRONG_TOKEN_TYPE");
}

fn claim_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    for claim in ["iss", "sub", "jti", "agt", "dev", "scp", "iat", "exp"] {
        let name = format!("missing-{claim}");
        let t = g.rs(&base().without(claim), &name);
        c.reject(
            &name,
            &format!("Claim {claim} absent."),
            m,
            t,
            opts(),
            "MISSING_CLAIM",
        );
    }
    let invalid: [(&str, &str, &str, &str); 25] = [
        (
            "invalid-scp-string",
            "scp is a string, not an array.",
            "scp",
            r#""calendar:read""#,
        ),
        (
            "invalid-scp-with-number",
            "scp contains a number.",
            "scp",
            r#"["calendar:read",5]"#,
        ),
        (
            "invalid-scp-with-null",
            "scp contains null.",
            "scp",
            r#"["calendar:read",null]"#,
        ),
        (
            "invalid-scp-object",
            "scp is an object.",
            "scp",
            r#"{"calendar":"read"}"#,
        ),
        (
            "invalid-iat-float",
            "iat is not an integer (1767225600.5).",
            "iat",
            "1767225600.5",
        ),
        (
            "invalid-iat-string",
            "iat is a string.",
            "iat",
            r#""1767225600""#,
        ),
        (
            "invalid-exp-string",
            "exp is a string.",
            "exp",
            r#""1767312000""#,
        ),
        ("invalid-exp-negative", "exp is negative.", "exp", "-1"),
        (
            "invalid-exp-float",
            "exp is not an integer.",
            "exp",
            "1767312000.25",
        ),
        ("invalid-exp-null", "exp is null.", "exp", "null"),
        (
            "invalid-sub-empty",
            "sub is the empty string.",
            "sub",
            r#""""#,
        ),
        (
            "invalid-agt-empty",
            "agt is the empty string.",
            "agt",
            r#""""#,
        ),
        ("invalid-jti-number", "jti is a number.", "jti", "42"),
        ("invalid-dev-null", "dev is null.", "dev", "null"),
        ("invalid-iss-number", "iss is a number.", "iss", "1"),
        (
            "invalid-sub-array",
            "sub is an array.",
            "sub",
            r#"["user_abc123"]"#,
        ),
        ("invalid-aud-number", "aud is a number.", "aud", "1"),
        (
            "invalid-aud-array-with-number",
            "aud is an array holding a number.",
            "aud",
            r#"["https://api.targetservice.com",1]"#,
        ),
        (
            "invalid-nbf-string",
            "nbf is a string.",
            "nbf",
            r#""1767225600""#,
        ),
        ("invalid-grnt-number", "grnt is a number.", "grnt", "7"),
        (
            "invalid-grnt-empty",
            "grnt is the empty string.",
            "grnt",
            r#""""#,
        ),
        ("invalid-bdg-string", "bdg is a string.", "bdg", r#""42.5""#),
        ("invalid-bdg-boolean", "bdg is a boolean.", "bdg", "true"),
        (
            "invalid-delegation-depth-zero",
            "A delegated token with delegationDepth 0 (must be ≥ 1; omitted at depth 0).",
            "delegationDepth",
            "0",
        ),
        (
            "invalid-delegation-depth-string",
            "delegationDepth is a string.",
            "delegationDepth",
            r#""1""#,
        ),
    ];
    for (name, description, claim, value) in invalid {
        let claims = if claim == "delegationDepth" {
            delegated(1).set(claim, value)
        } else {
            base().set(claim, value)
        };
        let t = g.rs(&claims, name);
        c.reject(name, description, m, t, opts(), "INVALID_CLAIM");
    }
    let t = g.rs(&delegated(1).set("delegationDepth", "1.5"), "depth-float");
    c.reject(
        "invalid-delegation-depth-float",
        "delegationDepth 1.5.",
        m,
        t,
        opts(),
        "INVALID_CLAIM",
    );
    let t = g.rs(
        &delegated(1)
            .without("parentGrnt")
            .without("delegationDepth"),
        "partial1",
    );
    c.reject(
        "invalid-delegation-partial-parent-agt-only",
        "parentAgt without parentGrnt and delegationDepth: delegation claims come together.",
        m,
        t,
        opts(),
        "INVALID_CLAIM",
    );
    let t = g.rs(&delegated(1).without("delegationDepth"), "partial2");
    c.reject(
        "invalid-delegation-partial-no-depth",
        "parentAgt and parentGrnt without delegationDepth.",
        m,
        t,
        opts(),
        "INVALID_CLAIM",
    );
    let t = g.rs(&base().set("delegationDepth", "1"), "partial3");
    c.reject(
        "invalid-delegation-partial-depth-only",
        "delegationDepth without parentAgt and parentGrnt.",
        m,
        t,
        opts(),
        "INVALID_CLAIM",
    );
}

fn time_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let t = g.rs(&base(), "time");
    let o = opts;
    c.valid(
        "time-exp-leeway-0-one-second-before",
        "now = exp - 1, leeway 0: valid.",
        m,
        t.clone(),
        o().now(EXP - 1),
    );
    c.reject(
        "time-exp-leeway-0-at-exp",
        "now = exp, leeway 0: expired.",
        m,
        t.clone(),
        o().now(EXP),
        "EXPIRED",
    );
    c.valid(
        "time-exp-leeway-30-at-exp",
        "now = exp, leeway 30: valid.",
        m,
        t.clone(),
        o().now(EXP).leeway(30),
    );
    c.valid(
        "time-exp-leeway-30-exp-plus-29",
        "now = exp + 29, leeway 30: valid.",
        m,
        t.clone(),
        o().now(EXP + 29).leeway(30),
    );
    c.reject(
        "time-exp-leeway-30-exp-plus-30",
        "now = exp + 30, leeway 30: expired (now >= exp + leeway).",
        m,
        t.clone(),
        o().now(EXP + 30).leeway(30),
        "EXPIRED",
    );
    c.valid(
        "time-iat-leeway-0-at-iat",
        "now = iat, leeway 0: valid.",
        m,
        t.clone(),
        o().now(IAT),
    );
    c.reject(
        "time-iat-leeway-0-one-second-before",
        "now = iat - 1, leeway 0: issued in the future.",
        m,
        t.clone(),
        o().now(IAT - 1),
        "ISSUED_IN_FUTURE",
    );
    c.valid(
        "time-iat-leeway-30-30-seconds-before",
        "now = iat - 30, leeway 30: valid.",
        m,
        t.clone(),
        o().now(IAT - 30).leeway(30),
    );
    c.reject(
        "time-iat-leeway-30-31-seconds-before",
        "now = iat - 31, leeway 30: issued in the future.",
        m,
        t.clone(),
        o().now(IAT - 31).leeway(30),
        "ISSUED_IN_FUTURE",
    );
    let nbf = IAT + 600;
    let tn = g.rs(&base().set("nbf", nbf.to_string()), "nbf");
    c.valid(
        "time-nbf-leeway-0-at-nbf",
        "nbf = iat + 600, now = nbf, leeway 0: valid.",
        m,
        tn.clone(),
        o().now(nbf),
    );
    c.reject(
        "time-nbf-leeway-0-one-second-before",
        "now = nbf - 1, leeway 0: not yet valid.",
        m,
        tn.clone(),
        o().now(nbf - 1),
        "NOT_YET_VALID",
    );
    c.valid(
        "time-nbf-leeway-30-30-seconds-before",
        "now = nbf - 30, leeway 30: valid.",
        m,
        tn.clone(),
        o().now(nbf - 30).leeway(30),
    );
    c.reject(
        "time-nbf-leeway-30-31-seconds-before",
        "now = nbf - 31, leeway 30: not yet valid.",
        m,
        tn,
        o().now(nbf - 31).leeway(30),
        "NOT_YET_VALID",
    );
    let t0 = g.rs(&base().set("exp", "0"), "exp0");
    c.reject("time-exp-zero", "exp 0.", m, t0, o(), "EXPIRED");
    let far = g.rs(&base().set("exp", "253402300799"), "far");
    c.valid(
        "time-exp-year-9999",
        "exp 253402300799 (9999-12-31T23:59:59Z).",
        m,
        far,
        o(),
    );
    // 2^53 - 1: the largest integer every JSON parser (including JavaScript's) reads exactly.
    let big = g.rs(&base().set("exp", "9007199254740991"), "maxsafe");
    c.valid(
        "time-exp-max-safe-integer",
        "exp 9007199254740991 (2^53 - 1) with leeway 30: valid.",
        m,
        big,
        o().leeway(30),
    );
}

fn issuer_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let t = g.rs(&base(), "iss");
    c.reject(
        "issuer-trailing-slash",
        "Expected issuer https://grantex.dev/ (trailing slash): exact comparison.",
        m,
        t.clone(),
        opts().issuer(Some("https://grantex.dev/")),
        "INVALID_ISSUER",
    );
    c.reject(
        "issuer-case-differs",
        "Expected issuer https://Grantex.dev: exact, case-sensitive comparison.",
        m,
        t.clone(),
        opts().issuer(Some("https://Grantex.dev")),
        "INVALID_ISSUER",
    );
    c.valid(
        "issuer-any",
        "anyIssuer: true accepts any iss.",
        m,
        g.rs(&base().str("iss", "https://elsewhere.example"), "any-iss"),
        opts().issuer(None).any_issuer(),
    );
    c.valid("issuer-from-production-jwks-uri", "No issuer; jwksUri https://api.grantex.dev/.well-known/jwks.json maps to https://grantex.dev (§4.2).", m, t.clone(), opts().issuer(None).jwks_uri("https://api.grantex.dev/.well-known/jwks.json"));
    c.reject("issuer-from-localhost-jwks-uri", "No issuer; jwksUri http://localhost:3001/.well-known/jwks.json → issuer http://localhost:3001, token iss https://grantex.dev.", m, t.clone(), opts().issuer(None).jwks_uri("http://localhost:3001/.well-known/jwks.json"), "INVALID_ISSUER");
    c.valid("issuer-localhost-from-jwks-uri", "Token iss http://localhost:3001, derived from jwksUri http://localhost:3001/.well-known/jwks.json.", m, g.rs(&base().str("iss", "http://localhost:3001"), "localhost"), opts().issuer(None).jwks_uri("http://localhost:3001/.well-known/jwks.json"));
    c.valid(
        "issuer-from-did-web",
        "No issuer; issuerDid did:web:grantex.dev → issuer https://grantex.dev.",
        m,
        t.clone(),
        opts().issuer(None).issuer_did("did:web:grantex.dev"),
    );
    c.valid("issuer-explicit-wins-over-jwks-uri", "issuer given together with a jwksUri that would derive another issuer: the explicit issuer is used.", m, t.clone(), opts().jwks_uri("http://localhost:3001/.well-known/jwks.json"));
    c.reject(
        "issuer-did-token-to-url-issuer",
        "Token iss is a DID (did:web:grantex.dev), expected https://grantex.dev.",
        m,
        g.rs(&base().str("iss", "did:web:grantex.dev"), "iss-did"),
        opts(),
        "INVALID_ISSUER",
    );
}

fn audience_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let with_aud = g.rs(&base().str("aud", AUD), "aud");
    let aud_array = g.rs(
        &base().set("aud", arr(&["https://other.example", AUD])),
        "aud-array",
    );
    c.reject(
        "audience-present-none-expected",
        "Token has aud, no audience configured (strict default).",
        m,
        with_aud.clone(),
        opts(),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "audience-match",
        "Token aud equals the expected audience.",
        m,
        with_aud.clone(),
        opts().audience(AUD),
    );
    c.reject(
        "audience-case-differs",
        "Expected audience differs only in case.",
        m,
        with_aud.clone(),
        opts().audience("https://API.targetservice.com"),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "audience-option-list-one-matches",
        "Options audience [a, b]: one of them is the token's aud.",
        m,
        with_aud.clone(),
        opts().audiences(&["https://other.example", AUD]),
    );
    c.reject(
        "audience-option-list-none-matches",
        "Options audience [a, b]: neither is the token's aud.",
        m,
        with_aud,
        opts().audiences(&["https://a.example", "https://b.example"]),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "audience-token-array-contains-expected",
        "Token aud is an array containing the expected audience.",
        m,
        aud_array.clone(),
        opts().audience(AUD),
    );
    c.reject(
        "audience-token-array-lacks-expected",
        "Token aud array without the expected audience.",
        m,
        aud_array.clone(),
        opts().audience("https://third.example"),
        "INVALID_AUDIENCE",
    );
    c.reject(
        "audience-token-array-none-expected",
        "Token aud array, no audience configured.",
        m,
        aud_array.clone(),
        opts(),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "audience-token-array-any-audience",
        "Token aud array with anyAudience.",
        m,
        aud_array,
        opts().any_audience(),
    );
    c.reject(
        "audience-missing-when-expected",
        "Token without aud, an audience is expected.",
        m,
        g.rs(&base(), "noaud"),
        opts().audience(AUD),
        "INVALID_AUDIENCE",
    );
    c.valid(
        "audience-missing-any-audience",
        "Token without aud with anyAudience.",
        m,
        g.rs(&base(), "noaud-any"),
        opts().any_audience(),
    );
}

fn scope_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let t = g.rs(&base(), "scopes");
    c.valid(
        "scope-all-present",
        "requiredScopes equal to the granted scopes.",
        m,
        t.clone(),
        opts().scopes(&SCOPES),
    );
    c.valid(
        "scope-empty-required",
        "requiredScopes [] requires nothing.",
        m,
        t.clone(),
        opts().scopes(&[]),
    );
    c.reject(
        "scope-one-missing",
        "One of two required scopes is not granted.",
        m,
        t.clone(),
        opts().scopes(&["calendar:read", "email:send"]),
        "INSUFFICIENT_SCOPE",
    );
    c.reject(
        "scope-several-missing",
        "Three required scopes are not granted.",
        m,
        t.clone(),
        opts().scopes(&["email:send", "calendar:write", "files:read"]),
        "INSUFFICIENT_SCOPE",
    );
    c.reject(
        "scope-case-differs",
        "Calendar:Read is not calendar:read (case-sensitive).",
        m,
        t.clone(),
        opts().scopes(&["Calendar:Read"]),
        "INSUFFICIENT_SCOPE",
    );
    c.reject(
        "scope-whitespace-differs",
        "\"calendar:read \" is not calendar:read.",
        m,
        t.clone(),
        opts().scopes(&["calendar:read "]),
        "INSUFFICIENT_SCOPE",
    );
    c.reject(
        "scope-constrained-not-satisfied-by-other-constraint",
        "payments:initiate:max_100 is not granted by payments:initiate:max_500 (exact match).",
        m,
        t.clone(),
        opts().scopes(&["payments:initiate:max_100"]),
        "INSUFFICIENT_SCOPE",
    );
    c.reject(
        "scope-prefix-not-satisfied",
        "calendar is not granted by calendar:read.",
        m,
        t,
        opts().scopes(&["calendar"]),
        "INSUFFICIENT_SCOPE",
    );
    let unconstrained = g.rs(
        &base().set("scp", arr(&["payments:initiate"])),
        "unconstrained",
    );
    c.reject(
        "scope-unconstrained-grant-constrained-required",
        "Granted payments:initiate, required payments:initiate:max_500: exact matching.",
        m,
        unconstrained.clone(),
        opts().scopes(&["payments:initiate:max_500"]),
        "INSUFFICIENT_SCOPE",
    );
    c.valid(
        "scope-unconstrained-grant-unconstrained-required",
        "Granted and required payments:initiate.",
        m,
        unconstrained,
        opts().scopes(&["payments:initiate"]),
    );
    c.valid(
        "scope-empty-grant",
        "scp [] is an array of strings; nothing required: valid.",
        m,
        g.rs(&base().set("scp", "[]"), "scp-empty"),
        opts(),
    );
    c.reject(
        "scope-empty-grant-required",
        "scp [] with requiredScopes [calendar:read].",
        m,
        g.rs(&base().set("scp", "[]"), "scp-empty-req"),
        opts().scopes(&["calendar:read"]),
        "INSUFFICIENT_SCOPE",
    );
}

fn delegation_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let d1 = g.rs(&delegated(1), "d1");
    let d2 = g.rs(&delegated(2), "d2");
    let root = g.rs(&base(), "root");
    c.valid(
        "delegation-depth-1-valid",
        "Generated delegated token, depth 1.",
        m,
        d1.clone(),
        opts(),
    );
    c.valid(
        "delegation-depth-2-valid",
        "Delegated token of depth 2 (child of the depth-1 grant).",
        m,
        d2.clone(),
        opts(),
    );
    c.valid(
        "delegation-depth-2-max-2",
        "Depth 2 with maxDelegationDepth 2: at the boundary, valid.",
        m,
        d2.clone(),
        opts().max_depth(2),
    );
    c.reject(
        "delegation-depth-2-max-1",
        "Depth 2 with maxDelegationDepth 1.",
        m,
        d2,
        opts().max_depth(1),
        "DELEGATION_DEPTH_EXCEEDED",
    );
    c.reject(
        "delegation-depth-1-max-0",
        "Depth 1 with maxDelegationDepth 0.",
        m,
        d1.clone(),
        opts().max_depth(0),
        "DELEGATION_DEPTH_EXCEEDED",
    );
    c.valid(
        "delegation-depth-1-max-1",
        "Depth 1 with maxDelegationDepth 1.",
        m,
        d1,
        opts().max_depth(1),
    );
    c.valid(
        "delegation-root-max-0",
        "A root token (no delegationDepth) with maxDelegationDepth 0.",
        m,
        root,
        opts().max_depth(0),
    );
    c.reject(
        "delegation-upstream-depth-1-max-0",
        "Upstream delegated token with maxDelegationDepth 0.",
        "upstream",
        g.up.delegated.clone(),
        opts().max_depth(0),
        "DELEGATION_DEPTH_EXCEEDED",
    );
}

fn option_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let t = g.rs(&base(), "options");
    let o = opts;
    c.reject(
        "options-no-issuer",
        "Neither issuer, jwksUri, issuerDid nor anyIssuer.",
        m,
        t.clone(),
        o().issuer(None),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-issuer-and-any-issuer",
        "Both issuer and anyIssuer.",
        m,
        t.clone(),
        o().any_issuer(),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-audience-and-any-audience",
        "Both audience and anyAudience.",
        m,
        t.clone(),
        o().audience(AUD).any_audience(),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-audience-empty-list",
        "audience [].",
        m,
        t.clone(),
        o().audiences(&[]),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-algorithms-empty",
        "algorithms [].",
        m,
        t.clone(),
        o().algorithms(&[]),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-algorithms-hs256",
        "algorithms [HS256]: not a supported algorithm.",
        m,
        t.clone(),
        o().algorithms(&["HS256"]),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-algorithms-none",
        "algorithms [none].",
        m,
        t.clone(),
        o().algorithms(&["none"]),
        "INVALID_OPTIONS",
    );
    c.reject("options-unknown-member", "requiredScope (typo of requiredScopes): unknown options are refused so no check is silently disabled.", m, t.clone(), o().extra("requiredScope", json!(["admin"])), "INVALID_OPTIONS");
    c.reject(
        "options-did-web-without-host",
        "No issuer; issuerDid did:web: names no host.",
        m,
        t.clone(),
        o().issuer(None).issuer_did("did:web:"),
        "INVALID_OPTIONS",
    );
    c.reject(
        "options-checked-before-token",
        "Invalid options with a malformed token: options are validated first.",
        m,
        "not-a-token".to_owned(),
        o().issuer(None),
        "INVALID_OPTIONS",
    );
    c.valid(
        "options-leeway-alias",
        "leeway is an alias of clockTolerance: now = exp + 10 with leeway 30.",
        m,
        t,
        o().now(EXP + 10).extra("leeway", json!(30)),
    );
}

fn accepted_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    c.valid(
        "grnt-absent-grant-id-is-jti",
        "No grnt: grantId falls back to jti.",
        m,
        g.rs(&base().without("grnt"), "nogrnt"),
        opts(),
    );
    let unicode = base()
        .str("sub", "usér_ünïcødé_用户_😀")
        .set("scp", arr(&["日历:读", "calendar:read"]))
        .str("dev", "dev_Ωmega");
    c.valid(
        "unicode-claims",
        "Non-ASCII claim values (UTF-8 in the payload).",
        m,
        g.rs(&unicode, "unicode"),
        opts().scopes(&["日历:读"]),
    );
    let escaped = base()
        .set("sub", r#""us\u00e9r_\ud83d\ude00_\u7528\u6237""#)
        .set("scp", r#"["calendar:read","\u65e5\u5386:\u8bfb"]"#);
    c.valid(
        "unicode-escaped-claims",
        "Claims written with \\u escapes (including a surrogate pair) decode to the same strings.",
        m,
        g.rs(&escaped, "escaped"),
        opts().scopes(&["日历:读"]),
    );
    let extra = base()
        .set(
            "ctx",
            r#"{"tenant":"t1","roles":["a","b"],"nested":{"k":[1,2.5,null,true]}}"#,
        )
        .str("foo", "bar")
        .set(
            "cnf",
            r#"{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}"#,
        );
    c.valid(
        "extra-unknown-claims",
        "Unknown extra claims (objects, arrays, cnf) are ignored.",
        m,
        g.rs(&extra, "extra"),
        opts(),
    );
    c.valid(
        "bdg-integer",
        "bdg 100 (an integer) → budgetRemaining 100.",
        m,
        g.rs(&base().set("bdg", "100"), "bdg100"),
        opts(),
    );
    c.valid(
        "bdg-zero",
        "bdg 0 → budgetRemaining 0.",
        m,
        g.rs(&base().set("bdg", "0"), "bdg0"),
        opts(),
    );
    c.valid(
        "bdg-fractional",
        "bdg 0.1 → budgetRemaining 0.1.",
        m,
        g.rs(&base().set("bdg", "0.1"), "bdg01"),
        opts(),
    );
    let reordered = Obj::header()
        .push_raw(&js("exp"), EXP.to_string())
        .push_raw(&js("jti"), js(JTI))
        .push_raw(&js("iss"), js(ISS))
        .push_raw(&js("scp"), arr(&SCOPES))
        .push_raw(&js("iat"), IAT.to_string())
        .push_raw(&js("sub"), js(SUB))
        .push_raw(&js("dev"), js(DEV))
        .push_raw(&js("agt"), js(AGT_A));
    c.valid(
        "claims-in-any-order",
        "Claims in a different order (and no grnt): member order does not matter.",
        m,
        g.rs(&reordered, "order"),
        opts(),
    );
    let pretty = format!(
        "{{\n  \"agt\": {},\n  \"dev\": {},\n  \"scp\": [ \"calendar:read\" ],\n  \"iss\": {},\n  \"sub\": {},\n  \"jti\": {},\n  \"iat\": {IAT},\n  \"exp\": {EXP}\n}}\n",
        js(AGT_A),
        js(DEV),
        js(ISS),
        js(SUB),
        js(JTI)
    );
    c.valid(
        "payload-pretty-printed",
        "Payload JSON with whitespace and newlines.",
        m,
        g.rs_raw(pretty.as_bytes(), "pretty"),
        opts(),
    );
    let kidless = sign(
        &g.k.upstream,
        Alg::RS256,
        &Obj::header().str("alg", "RS256").str("typ", "JWT"),
        &base(),
        "kidless-jwt",
    );
    c.valid(
        "kid-missing-typ-jwt-single-key",
        "No kid, typ JWT, single-key set.",
        "upstream",
        kidless,
        opts(),
    );
}

fn order_cases(g: &Gen, c: &mut Cases) {
    let m = "main";
    let expired_bad_sig = {
        let t = g.rs(&base(), "order-sig");
        let (h, p, s) = split3(&t);
        format!("{h}.{p}.{}", change_char(s, 50))
    };
    c.reject(
        "order-signature-before-time",
        "Bad signature on a token that is also expired: the signature is checked first.",
        m,
        expired_bad_sig,
        opts().now(EXP + 1),
        "INVALID_SIGNATURE",
    );
    let t = sign_bytes(
        &g.k.upstream,
        Alg::RS256,
        br#"{"alg":"none","kid":"nope"}"#,
        base().render().as_bytes(),
        "order-alg",
    );
    c.reject(
        "order-algorithm-before-key",
        "alg none with an unknown kid: the algorithm is refused before key lookup.",
        m,
        t,
        opts(),
        "UNSUPPORTED_ALGORITHM",
    );
    let t = sign_bytes(
        &g.k.upstream,
        Alg::RS256,
        br#"{"alg":"RS256","kid":"nope","crit":["exp"]}"#,
        base().render().as_bytes(),
        "order-crit",
    );
    c.reject(
        "order-crit-before-key",
        "crit with an unknown kid: the critical header is refused before key lookup.",
        m,
        t,
        opts(),
        "UNSUPPORTED_CRITICAL_HEADER",
    );
    let t = sign(
        &g.k.upstream,
        Alg::RS256,
        &hdr("RS256", KID).str("typ", "vc+sd-jwt"),
        &base().without("sub"),
        "order-typ",
    );
    c.reject(
        "order-token-type-before-claims",
        "typ vc+sd-jwt and a missing sub: the token kind is decided first.",
        m,
        t,
        opts(),
        "WRONG_TOKEN_TYPE",
    );
    let t = g.rs(
        &base().without("sub").str("iss", "https://evil.example"),
        "order-missing",
    );
    c.reject(
        "order-missing-claim-before-issuer",
        "Missing sub and a wrong iss: claim presence is checked before the issuer.",
        m,
        t,
        opts(),
        "MISSING_CLAIM",
    );
    let t = g.rs(&base().str("iss", "https://evil.example"), "order-iss");
    c.reject(
        "order-issuer-before-time",
        "Wrong iss on an expired token: the issuer is checked before time.",
        m,
        t,
        opts().now(EXP + 100),
        "INVALID_ISSUER",
    );
    let t = g.rs(&base().str("aud", "https://other.example"), "order-exp");
    c.reject(
        "order-time-before-audience",
        "Expired token with the wrong audience: time is checked before the audience.",
        m,
        t,
        opts().now(EXP).audience(AUD),
        "EXPIRED",
    );
    let t = g.rs(
        &delegated(2).str("aud", "https://other.example"),
        "order-aud",
    );
    c.reject(
        "order-audience-before-delegation",
        "Wrong audience and depth over the maximum: the audience is checked first.",
        m,
        t,
        opts().audience(AUD).max_depth(1),
        "INVALID_AUDIENCE",
    );
    let t = g.rs(&delegated(2), "order-depth");
    c.reject(
        "order-delegation-before-scopes",
        "Depth over the maximum and a missing scope: delegation depth is checked first.",
        m,
        t,
        opts().max_depth(1).scopes(&["admin:all"]),
        "DELEGATION_DEPTH_EXCEEDED",
    );
    let t = g.rs(
        &base().set("scp", "7").str("iss", "https://evil.example"),
        "order-invalid",
    );
    c.reject(
        "order-invalid-claim-before-issuer",
        "scp of the wrong type and a wrong iss: claim types are checked before the issuer.",
        m,
        t,
        opts(),
        "INVALID_CLAIM",
    );
}
