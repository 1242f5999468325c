//! The vector file's data model and the byte-exact JOSE object builder.

use crate::keys::{Alg, TestKey, b64, fail};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Payload member order of upstream grant tokens (PROTOCOL.md §3.3); other members go after these.
const CLAIM_ORDER: [&str; 15] = [
    "agt",
    "dev",
    "scp",
    "grnt",
    "parentAgt",
    "parentGrnt",
    "delegationDepth",
    "bdg",
    "iss",
    "sub",
    "jti",
    "iat",
    "exp",
    "aud",
    "nbf",
];
/// Header member order.
const HEADER_ORDER: [&str; 3] = ["alg", "kid", "typ"];

/// A JSON object written member by member so that order, spelling and duplicates are exactly as built.
/// Names and values are raw JSON text.
#[derive(Debug, Clone)]
pub struct Obj {
    members: Vec<(String, String)>,
    order: &'static [&'static str],
}

/// A JSON string literal.
pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|e| fail(&e.to_string()))
}

/// A JSON array of strings.
pub fn arr(items: &[&str]) -> String {
    serde_json::to_string(items).unwrap_or_else(|e| fail(&e.to_string()))
}

impl Obj {
    /// An empty claims object (members ordered as PROTOCOL.md §3.3).
    pub fn claims() -> Obj {
        Obj {
            members: Vec::new(),
            order: &CLAIM_ORDER,
        }
    }

    /// An empty JOSE header (members ordered `alg`, `kid`, `typ`, others).
    pub fn header() -> Obj {
        Obj {
            members: Vec::new(),
            order: &HEADER_ORDER,
        }
    }

    fn rank(&self, name: &str) -> usize {
        self.order
            .iter()
            .position(|n| *n == name)
            .unwrap_or(self.order.len())
    }

    /// Sets member `name` to the raw JSON `value`: replaced in place if present, else inserted at its
    /// canonical position (unknown names go last, in insertion order).
    pub fn set(mut self, name: &str, value: impl Into<String>) -> Obj {
        let quoted = js(name);
        let value = value.into();
        if let Some(slot) = self.members.iter_mut().find(|(n, _)| *n == quoted) {
            slot.1 = value;
            return self;
        }
        let rank = self.rank(name);
        let at = self
            .members
            .iter()
            .position(|(n, _)| {
                let existing: String = serde_json::from_str(n).unwrap_or_default();
                self.rank(&existing) > rank
            })
            .unwrap_or(self.members.len());
        self.members.insert(at, (quoted, value));
        self
    }

    /// Sets a string member.
    pub fn str(self, name: &str, value: &str) -> Obj {
        self.set(name, js(value))
    }

    /// Removes member `name`.
    pub fn without(mut self, name: &str) -> Obj {
        let quoted = js(name);
        self.members.retain(|(n, _)| *n != quoted);
        self
    }

    /// Appends a member verbatim: `raw_name` is the JSON text of the name (so it may be escaped or repeat
    /// an existing name).
    pub fn push_raw(mut self, raw_name: &str, value: impl Into<String>) -> Obj {
        self.members.push((raw_name.to_owned(), value.into()));
        self
    }

    /// The compact JSON text.
    pub fn render(&self) -> String {
        let body: Vec<String> = self
            .members
            .iter()
            .map(|(n, v)| format!("{n}:{v}"))
            .collect();
        format!("{{{}}}", body.join(","))
    }
}

/// `b64(header).b64(payload).b64(signature)` with the signature over exactly those segments.
pub fn sign_segments(
    key: &TestKey,
    alg: Alg,
    header_seg: &str,
    payload_seg: &str,
    case: &str,
) -> String {
    let input = format!("{header_seg}.{payload_seg}");
    let sig = key.sign(alg, input.as_bytes(), case);
    format!("{input}.{}", b64(&sig))
}

/// A compact JWS over the given header and payload bytes.
pub fn sign_bytes(key: &TestKey, alg: Alg, header: &[u8], payload: &[u8], case: &str) -> String {
    sign_segments(key, alg, &b64(header), &b64(payload), case)
}

/// A compact JWS over the given header and payload objects.
pub fn sign(key: &TestKey, alg: Alg, header: &Obj, payload: &Obj, case: &str) -> String {
    sign_bytes(
        key,
        alg,
        header.render().as_bytes(),
        payload.render().as_bytes(),
        case,
    )
}

/// `VerifiedGrant` as JSON (PROTOCOL.md §4.3, "ours" column), field order as the core serializes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub token_id: String,
    pub grant_id: String,
    pub principal_id: String,
    pub agent_did: String,
    pub developer_id: String,
    pub scopes: Vec<String>,
    pub issued_at: u64,
    pub expires_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_agent_did: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_grant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegation_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Vec<String>>,
    pub issuer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_remaining: Option<f64>,
}

fn member_str(claims: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn need_str(claims: &serde_json::Map<String, Value>, name: &str) -> String {
    member_str(claims, name)
        .unwrap_or_else(|| fail(&format!("valid case lacks string claim {name}")))
}

fn need_u64(claims: &serde_json::Map<String, Value>, name: &str) -> u64 {
    claims
        .get(name)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| fail(&format!("valid case lacks integer {name}")))
}

/// What a verifier must return for a well-formed, accepted payload: the §4.3 mapping, written here
/// independently of the core.
pub fn grant_of(payload_json: &str) -> Grant {
    let claims: serde_json::Map<String, Value> = serde_json::from_str(payload_json)
        .unwrap_or_else(|e| fail(&format!("valid case payload: {e}")));
    let jti = need_str(&claims, "jti");
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => fail("unexpected claim type in a valid case"),
        }
    };
    Grant {
        grant_id: member_str(&claims, "grnt").unwrap_or_else(|| jti.clone()),
        token_id: jti,
        principal_id: need_str(&claims, "sub"),
        agent_did: need_str(&claims, "agt"),
        developer_id: need_str(&claims, "dev"),
        scopes: claims.get("scp").map(&strings).unwrap_or_default(),
        issued_at: need_u64(&claims, "iat"),
        expires_at: need_u64(&claims, "exp"),
        parent_agent_did: member_str(&claims, "parentAgt"),
        parent_grant_id: member_str(&claims, "parentGrnt"),
        delegation_depth: claims
            .get("delegationDepth")
            .and_then(Value::as_u64)
            .map(|d| u32::try_from(d).unwrap_or_else(|_| fail("depth out of range"))),
        audience: claims.get("aud").map(&strings),
        issuer: need_str(&claims, "iss"),
        budget_remaining: claims.get("bdg").and_then(Value::as_f64),
    }
}

/// One expected audience or several (option `audience`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// `VerifyOptionsJson` as the vectors use it (`now` always present).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    pub now: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub any_issuer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_did: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub any_audience: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_tolerance: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delegation_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithms: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_token_bytes: Option<usize>,
    /// Members outside the contract (to prove that unknown options are refused).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Options {
    /// Clock `now`, expected issuer `issuer`, everything else default.
    pub fn new(now: u64, issuer: &str) -> Options {
        Options {
            now,
            issuer: Some(issuer.to_owned()),
            any_issuer: false,
            jwks_uri: None,
            issuer_did: None,
            audience: None,
            any_audience: false,
            required_scopes: None,
            clock_tolerance: None,
            max_delegation_depth: None,
            algorithms: None,
            max_token_bytes: None,
            extra: BTreeMap::new(),
        }
    }

    pub fn now(mut self, now: u64) -> Options {
        self.now = now;
        self
    }
    pub fn issuer(mut self, issuer: Option<&str>) -> Options {
        self.issuer = issuer.map(str::to_owned);
        self
    }
    pub fn any_issuer(mut self) -> Options {
        self.any_issuer = true;
        self
    }
    pub fn jwks_uri(mut self, uri: &str) -> Options {
        self.jwks_uri = Some(uri.to_owned());
        self
    }
    pub fn issuer_did(mut self, did: &str) -> Options {
        self.issuer_did = Some(did.to_owned());
        self
    }
    pub fn audience(mut self, aud: &str) -> Options {
        self.audience = Some(Audience::One(aud.to_owned()));
        self
    }
    pub fn audiences(mut self, auds: &[&str]) -> Options {
        self.audience = Some(Audience::Many(
            auds.iter().map(|s| (*s).to_owned()).collect(),
        ));
        self
    }
    pub fn any_audience(mut self) -> Options {
        self.any_audience = true;
        self
    }
    pub fn scopes(mut self, scopes: &[&str]) -> Options {
        self.required_scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
        self
    }
    pub fn leeway(mut self, seconds: u64) -> Options {
        self.clock_tolerance = Some(seconds);
        self
    }
    pub fn max_depth(mut self, depth: u32) -> Options {
        self.max_delegation_depth = Some(depth);
        self
    }
    pub fn algorithms(mut self, algs: &[&str]) -> Options {
        self.algorithms = Some(algs.iter().map(|s| (*s).to_owned()).collect());
        self
    }
    pub fn max_bytes(mut self, n: usize) -> Options {
        self.max_token_bytes = Some(n);
        self
    }
    pub fn extra(mut self, name: &str, value: Value) -> Options {
        self.extra.insert(name.to_owned(), value);
        self
    }
}

/// The error part of an expected failure: the code only (messages are not part of the contract).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCodeOnly {
    pub code: &'static str,
}

/// `{"ok":true,"value":…}` or `{"ok":false,"error":{"code":…}}`.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Grant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorCodeOnly>,
}

impl Expected {
    pub fn valid(grant: Grant) -> Expected {
        Expected {
            ok: true,
            value: Some(grant),
            error: None,
        }
    }
    pub fn error(code: &'static str) -> Expected {
        Expected {
            ok: false,
            value: None,
            error: Some(ErrorCodeOnly { code }),
        }
    }
}

/// One vector.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub name: String,
    pub description: String,
    pub key_set: String,
    pub token: String,
    pub options: Options,
    pub expected: Expected,
}

/// The whole file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VectorFile {
    pub version: u32,
    pub description: String,
    pub key_sets: BTreeMap<String, Value>,
    pub cases: Vec<Case>,
}
