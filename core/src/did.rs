//! DIDs for Grantex (PROTOCOL.md §1.5, §10.1; IMPROVEMENTS.md item 2).
//!
//! * `did:web` ↔ HTTPS URL ([`did_web_to_url`], [`did_web_from_url`]) following the did:web method
//!   specification, ports encoded as `%3A`. Only one spelling of each DID is accepted (lower-case host,
//!   upper-case `%3A`, no redundant escapes), because DIDs are compared as strings: two spellings of one
//!   host would be two issuers.
//! * W3C DID Core documents in their JSON representation ([`DidDocument`]): verification methods with
//!   `publicKeyJwk` (`JsonWebKey2020`, `JsonWebKey`), `publicKeyMultibase` (`Multikey`,
//!   `Ed25519VerificationKey2020`) or `publicKeyBase58` (`Ed25519VerificationKey2018`), and the
//!   verification relationships that authorize them ([`Purpose`]). JSON-LD processing is not performed:
//!   `@context` is ignored, as DID Core allows for the plain JSON representation.
//! * `did:key` resolved offline for Ed25519 (`z6Mk…`) and P-256 (`zDn…`) keys ([`resolve_did_key`],
//!   [`did_key_to_jwk`]).
//! * `did:grantex:ag_<ULID>` agent identifiers ([`AgentDid`]); never resolvable, agents hold no keys.
//!
//! Fetching a `did:web` document is the caller's job (this crate performs no I/O): map the DID with
//! [`did_web_to_url`], fetch at most [`MAX_DID_DOCUMENT_BYTES`], then parse with [`DidDocument::from_json`]
//! passing the DID that was resolved, so a document served for another DID is rejected.
//!
//! Errors are [`ErrorCode::InvalidDid`], except that selecting a verification method whose key cannot be
//! used (unsupported key type, private key published, malformed material) gives [`ErrorCode::InvalidKey`],
//! as [`crate::jwk::KeySet::select`] does for a JWKS.

use crate::b64;
use crate::crypto::PublicKeyMaterial;
use crate::error::{Error, ErrorCode, Result};
use crate::jwk::Jwk;
use serde_json::{Map, Value};
use std::fmt;

/// Largest DID document accepted by [`DidDocument::from_json`], in bytes.
pub const MAX_DID_DOCUMENT_BYTES: usize = 256 * 1024;
/// Largest number of verification methods (listed and embedded) in one DID document.
pub const MAX_VERIFICATION_METHODS: usize = 100;
/// Longest DID or DID URL accepted, in bytes.
pub const MAX_DID_LENGTH: usize = 2048;

const DID_WEB_PREFIX: &str = "did:web:";
const DID_KEY_PREFIX: &str = "did:key:";
/// Bounds the base58 work: a P-256 `did:key` is 49 characters after the `z`, larger keys are unsupported.
const MAX_MULTIBASE_KEY_LENGTH: usize = 128;
/// Unsigned-varint multicodec prefixes of the supported public keys (`ed25519-pub` 0xed, `p256-pub` 0x1200).
const MULTICODEC_ED25519: [u8; 2] = [0xed, 0x01];
const MULTICODEC_P256: [u8; 2] = [0x80, 0x24];

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidDid, message)
}

// ---------------------------------------------------------------------------------------------------------
// Generic DID and DID URL syntax (DID Core §3.1, §3.2)
// ---------------------------------------------------------------------------------------------------------

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// True when every byte of `s` is a literal accepted by `literal_ok` or a `%HH` escape whose decoded
/// byte `escape_ok` accepts.
fn chars_ok(s: &str, literal_ok: impl Fn(u8) -> bool, escape_ok: impl Fn(u8) -> bool) -> bool {
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let decoded = match (
                bytes.next().and_then(hex_value),
                bytes.next().and_then(hex_value),
            ) {
                (Some(high), Some(low)) => (high << 4) | low,
                _ => return false,
            };
            if !escape_ok(decoded) {
                return false;
            }
        } else if !literal_ok(b) {
            return false;
        }
    }
    true
}

fn is_idchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Checks DID syntax: `did:` method-name `:` method-specific-id, without path, query or fragment.
pub fn validate_did(did: &str) -> Result<()> {
    if did.len() > MAX_DID_LENGTH {
        return Err(invalid(format!(
            "DID is longer than {MAX_DID_LENGTH} bytes"
        )));
    }
    let Some((method, msid)) = did
        .strip_prefix("did:")
        .and_then(|rest| rest.split_once(':'))
    else {
        return Err(invalid(format!("{did:?} is not a DID (did:<method>:<id>)")));
    };
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        return Err(invalid(format!(
            "DID method name {method:?} must be lower-case letters and digits"
        )));
    }
    if msid.is_empty()
        || msid.ends_with(':')
        || !chars_ok(msid, |b| is_idchar(b) || b == b':', |_| true)
    {
        return Err(invalid(format!(
            "{did:?} has an invalid method-specific identifier"
        )));
    }
    Ok(())
}

/// RFC 3986 fragment characters (`pchar / "/" / "?"`), percent-escapes well formed.
fn fragment_ok(fragment: &str) -> bool {
    !fragment.is_empty()
        && chars_ok(
            fragment,
            |b| is_unreserved(b) || b"!$&'()*+,;=:@/?".contains(&b),
            |_| true,
        )
}

/// Resolves a verification-method id or reference against the document DID: `#frag` becomes
/// `<document id>#frag`; an absolute `did:…#frag` must be a DID followed by a fragment.
fn resolve_reference(reference: &str, document_id: &str) -> Result<String> {
    if reference.len() > MAX_DID_LENGTH {
        return Err(invalid(format!(
            "DID URL is longer than {MAX_DID_LENGTH} bytes"
        )));
    }
    if let Some(fragment) = reference.strip_prefix('#') {
        if !fragment_ok(fragment) {
            return Err(invalid(format!(
                "{reference:?} is not a valid DID URL fragment"
            )));
        }
        return Ok(format!("{document_id}#{fragment}"));
    }
    if reference.starts_with("did:") {
        let Some((did, fragment)) = reference.split_once('#') else {
            return Err(invalid(format!(
                "DID URL {reference:?} has no fragment naming a verification method"
            )));
        };
        validate_did(did)?;
        if !fragment_ok(fragment) {
            return Err(invalid(format!(
                "{reference:?} is not a valid DID URL fragment"
            )));
        }
        return Ok(reference.to_owned());
    }
    Err(invalid(format!(
        "{reference:?} is neither a DID URL nor a relative reference (#fragment)"
    )))
}

// ---------------------------------------------------------------------------------------------------------
// did:web
// ---------------------------------------------------------------------------------------------------------

/// Host names only: IP addresses are excluded by the did:web specification, and upper case is refused so
/// that one host has one DID.
fn validate_host(host: &str) -> Result<()> {
    if host.is_empty() {
        return Err(invalid("did:web host is empty"));
    }
    if host.len() > 253 {
        return Err(invalid("did:web host is longer than 253 characters"));
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(invalid(format!("did:web host {host:?} must be lower case")));
    }
    let mut last = "";
    for label in host.split('.') {
        let ok = (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(invalid(format!(
                "did:web host {host:?} is not a valid host name"
            )));
        }
        last = label;
    }
    // No top-level domain is all digits, so this catches dotted IPv4 addresses (and bare numbers).
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "did:web host {host:?} is an IP address; did:web requires a domain name"
        )));
    }
    Ok(())
}

fn validate_port(port: &str) -> Result<u16> {
    let canonical = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(n) if canonical && n != 0 && !port.starts_with('0') => Ok(n),
        _ => Err(invalid(format!(
            "did:web port {port:?} must be a number from 1 to 65535 without leading zeros"
        ))),
    }
}

/// A path segment: DID Core `idchar`s, plus escapes that cannot change the URL's structure once a server
/// decodes them (no `/`, `\`, `.`, `%`, `?`, `#`, controls) and are not redundant (unreserved bytes).
fn validate_segment(segment: &str) -> Result<()> {
    if segment.is_empty() {
        return Err(invalid("did:web path has an empty segment"));
    }
    if segment == "." || segment == ".." {
        return Err(invalid(format!(
            "did:web path segment {segment:?} is not allowed"
        )));
    }
    let escape_ok = |b: u8| !is_unreserved(b) && !b"/\\%?#".contains(&b) && b >= 0x20 && b != 0x7f;
    if !chars_ok(segment, is_idchar, escape_ok) {
        return Err(invalid(format!(
            "did:web path segment {segment:?} has characters that are not allowed"
        )));
    }
    Ok(())
}

struct DidWeb<'a> {
    host: &'a str,
    port: Option<&'a str>,
    path: Vec<&'a str>,
}

fn parse_did_web(did: &str) -> Result<DidWeb<'_>> {
    if did.len() > MAX_DID_LENGTH {
        return Err(invalid(format!(
            "DID is longer than {MAX_DID_LENGTH} bytes"
        )));
    }
    let rest = did
        .strip_prefix(DID_WEB_PREFIX)
        .ok_or_else(|| invalid(format!("{did:?} is not a did:web DID")))?;
    if let Some(c) = rest.chars().find(|c| matches!(c, '#' | '?' | '/')) {
        return Err(invalid(format!(
            "a did:web DID has no path, query or fragment ({c:?} found)"
        )));
    }
    let mut parts = rest.split(':');
    let authority = parts.next().unwrap_or_default();
    let (host, port) = match authority.split_once("%3A") {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if host.contains('%') || port.is_some_and(|p| p.contains('%')) {
        return Err(invalid(
            "only the port separator %3A may be percent-encoded in a did:web host",
        ));
    }
    validate_host(host)?;
    if let Some(port) = port {
        validate_port(port)?;
    }
    let path: Vec<&str> = parts.collect();
    for segment in &path {
        validate_segment(segment)?;
    }
    Ok(DidWeb { host, port, path })
}

/// The URL of the DID document of a `did:web` DID (did:web method specification, "Read"):
/// `did:web:example.com` → `https://example.com/.well-known/did.json`,
/// `did:web:example.com:user:alice` → `https://example.com/user/alice/did.json`,
/// `did:web:localhost%3A3001` → `https://localhost:3001/.well-known/did.json`.
///
/// Rejected: other methods, DID URLs (fragment, query, path), empty segments, `.`/`..` segments,
/// percent-escapes in the host other than `%3A`, upper-case or otherwise invalid host names, IP addresses,
/// invalid ports.
pub fn did_web_to_url(did: &str) -> Result<String> {
    let web = parse_did_web(did)?;
    let mut url = String::with_capacity(did.len() + 24);
    url.push_str("https://");
    url.push_str(web.host);
    if let Some(port) = web.port {
        url.push(':');
        url.push_str(port);
    }
    if web.path.is_empty() {
        url.push_str("/.well-known");
    }
    for segment in &web.path {
        url.push('/');
        url.push_str(segment);
    }
    url.push_str("/did.json");
    Ok(url)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// The `did:web` DID of a server from its base URL, for publishing its own `did.json`:
/// `https://grantex.dev` → `did:web:grantex.dev`, `https://localhost:3001` → `did:web:localhost%3A3001`,
/// `https://example.com/tenants/acme` → `did:web:example.com:tenants:acme`.
///
/// `http://` is accepted for local setups (the DID still resolves over HTTPS); the scheme's default port
/// is dropped, the host is lower-cased and one trailing `/` is ignored. Rejected: other schemes, user
/// info, IP addresses, queries, fragments, empty or `.`/`..` path segments, path characters outside
/// `A-Z a-z 0-9 . - _` and percent-escapes.
pub fn did_web_from_url(base_url: &str) -> Result<String> {
    if base_url.len() > MAX_DID_LENGTH {
        return Err(invalid(format!(
            "URL is longer than {MAX_DID_LENGTH} bytes"
        )));
    }
    let (rest, default_port) = if let Some(rest) = strip_prefix_ignore_case(base_url, "https://") {
        (rest, 443)
    } else if let Some(rest) = strip_prefix_ignore_case(base_url, "http://") {
        (rest, 80)
    } else {
        return Err(invalid(format!("{base_url:?} is not an http(s) URL")));
    };
    if rest.contains(['?', '#']) {
        return Err(invalid("a did:web base URL has no query or fragment"));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(invalid("a did:web base URL has no user info"));
    }
    if authority.starts_with('[') {
        return Err(invalid("did:web requires a domain name, not an IP address"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    validate_host(&host)?;
    let port = match port {
        Some(port) if validate_port(port)? != default_port => Some(port),
        _ => None,
    };
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() && !path.is_empty() {
        return Err(invalid("did:web base URL path has an empty segment"));
    }
    let segments: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    let mut did = String::with_capacity(base_url.len() + 8);
    did.push_str(DID_WEB_PREFIX);
    did.push_str(&host);
    if let Some(port) = port {
        did.push_str("%3A");
        did.push_str(port);
    }
    for segment in segments {
        validate_segment(segment)?;
        did.push(':');
        did.push_str(segment);
    }
    Ok(did)
}

// ---------------------------------------------------------------------------------------------------------
// Keys from multibase / base58 material
// ---------------------------------------------------------------------------------------------------------

fn jwk_from_members(members: &[(&str, String)]) -> core::result::Result<Jwk, String> {
    let map: Map<String, Value> = members
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::String(value.clone())))
        .collect();
    Jwk::from_map(&map).map_err(|e| e.message)
}

fn ed25519_jwk(key: &[u8]) -> core::result::Result<Jwk, String> {
    if key.len() != 32 {
        return Err(format!(
            "Ed25519 public key must be 32 bytes, not {}",
            key.len()
        ));
    }
    jwk_from_members(&[
        ("kty", "OKP".to_owned()),
        ("crv", "Ed25519".to_owned()),
        ("x", b64::encode(key)),
    ])
}

/// P-256 keys in did:key and Multikey are SEC1-compressed; JWKs need both coordinates.
fn p256_compressed_jwk(point: &[u8]) -> core::result::Result<Jwk, String> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    if point.len() != 33 || !matches!(point.first(), Some(0x02 | 0x03)) {
        return Err("P-256 public key must be a 33-byte SEC1 compressed point".to_owned());
    }
    let key = p256::PublicKey::from_sec1_bytes(point)
        .map_err(|_| "P-256 public key is not a point on the curve")?;
    let uncompressed = key.to_sec1_point(false);
    let (Some(x), Some(y)) = (
        uncompressed.as_bytes().get(1..33),
        uncompressed.as_bytes().get(33..65),
    ) else {
        return Err("P-256 point decompression produced an unexpected encoding".to_owned());
    };
    jwk_from_members(&[
        ("kty", "EC".to_owned()),
        ("crv", "P-256".to_owned()),
        ("x", b64::encode(x)),
        ("y", b64::encode(y)),
    ])
}

/// Reads an unsigned varint (multiformats: at most 9 bytes) for error messages about unknown codecs.
fn multicodec_code(bytes: &[u8]) -> Option<u64> {
    let mut code: u64 = 0;
    for (i, b) in bytes.iter().take(9).enumerate() {
        code |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(code);
        }
    }
    None
}

/// Which key families a verification-method type admits for multibase material.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MultikeyFamilies {
    Any,
    Ed25519Only,
}

/// Decodes a base58btc multibase (`z…`) multicodec public key into a JWK.
fn multibase_jwk(multibase: &str, families: MultikeyFamilies) -> core::result::Result<Jwk, String> {
    if multibase.len() > MAX_MULTIBASE_KEY_LENGTH {
        return Err(format!(
            "multibase key is longer than {MAX_MULTIBASE_KEY_LENGTH} characters"
        ));
    }
    let Some(encoded) = multibase.strip_prefix('z') else {
        return Err("multibase key must be base58btc (prefix 'z')".to_owned());
    };
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| "multibase key is not valid base58btc")?;
    if let Some(key) = bytes.strip_prefix(&MULTICODEC_ED25519) {
        return ed25519_jwk(key);
    }
    if let Some(point) = bytes.strip_prefix(&MULTICODEC_P256) {
        if families == MultikeyFamilies::Ed25519Only {
            return Err("verification method type admits only Ed25519 keys".to_owned());
        }
        return p256_compressed_jwk(point);
    }
    Err(match multicodec_code(&bytes) {
        Some(code) => format!(
            "unsupported multicodec key type 0x{code:x} (supported: Ed25519 0xed, P-256 0x1200)"
        ),
        None => "multibase key has no multicodec prefix".to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------------------
// did:key
// ---------------------------------------------------------------------------------------------------------

fn did_key_multibase(did: &str) -> Result<&str> {
    let multibase = did
        .strip_prefix(DID_KEY_PREFIX)
        .ok_or_else(|| invalid(format!("{did:?} is not a did:key DID")))?;
    if multibase.contains([':', '#', '?', '/']) {
        return Err(invalid(
            "a did:key DID is did:key:<multibase key>, without version, path, query or fragment",
        ));
    }
    Ok(multibase)
}

/// The public key of an Ed25519 (`did:key:z6Mk…`) or P-256 (`did:key:zDn…`) `did:key`, as a JWK
/// without `kid` or `alg`.
pub fn did_key_to_jwk(did: &str) -> Result<Jwk> {
    let multibase = did_key_multibase(did)?;
    multibase_jwk(multibase, MultikeyFamilies::Any)
        .map_err(|reason| invalid(format!("did:key: {reason}")))
}

/// Resolves a `did:key` offline into its one-method DID document: method `<did>#<multibase>` of type
/// `Multikey`, listed under every [`Purpose`] (did:key method specification).
pub fn resolve_did_key(did: &str) -> Result<DidDocument> {
    let jwk = did_key_to_jwk(did)?;
    let multibase = did_key_multibase(did)?;
    let id = format!("{did}#{multibase}");
    let references = Purpose::ALL
        .into_iter()
        .map(|purpose| (purpose, id.clone()))
        .collect();
    Ok(DidDocument {
        id: did.to_owned(),
        methods: vec![VerificationMethod {
            id,
            method_type: "Multikey".to_owned(),
            controller: did.to_owned(),
            jwk_kid: None,
            key: Ok(jwk),
        }],
        references,
    })
}

// ---------------------------------------------------------------------------------------------------------
// DID documents
// ---------------------------------------------------------------------------------------------------------

/// A verification relationship (DID Core §5.3): the purpose a verification method is authorized for.
/// `keyAgreement` is absent because this library only verifies signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// `authentication`.
    Authentication,
    /// `assertionMethod` — issuing credentials and other signed statements.
    AssertionMethod,
    /// `capabilityInvocation`.
    CapabilityInvocation,
    /// `capabilityDelegation`.
    CapabilityDelegation,
}

impl Purpose {
    /// Every relationship, in DID Core order.
    pub const ALL: [Purpose; 4] = [
        Purpose::Authentication,
        Purpose::AssertionMethod,
        Purpose::CapabilityInvocation,
        Purpose::CapabilityDelegation,
    ];

    /// The DID document property name, e.g. `"assertionMethod"`.
    pub const fn name(self) -> &'static str {
        match self {
            Purpose::Authentication => "authentication",
            Purpose::AssertionMethod => "assertionMethod",
            Purpose::CapabilityInvocation => "capabilityInvocation",
            Purpose::CapabilityDelegation => "capabilityDelegation",
        }
    }

    /// Looks up a property name (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One verification method of a [`DidDocument`]. A method whose key cannot be used is kept with the
/// reason, so that selecting it gives a precise error instead of "not found".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationMethod {
    /// Absolute DID URL (`did:…#fragment`); relative ids are resolved against the document id.
    pub id: String,
    /// `type`, e.g. `JsonWebKey2020` or `Multikey`.
    pub method_type: String,
    /// `controller` (a DID).
    pub controller: String,
    /// `publicKeyJwk.kid`, if it is a string (kept even when the key is unusable, for lookups).
    jwk_kid: Option<String>,
    key: core::result::Result<Jwk, String>,
}

impl VerificationMethod {
    /// The public key, or [`ErrorCode::InvalidKey`] with the reason it cannot be used.
    pub fn jwk(&self) -> Result<&Jwk> {
        self.key.as_ref().map_err(|reason| {
            Error::new(
                ErrorCode::InvalidKey,
                format!("verification method {:?} cannot be used: {reason}", self.id),
            )
        })
    }

    /// Why the key cannot be used, if it cannot.
    pub fn unusable_reason(&self) -> Option<&str> {
        self.key.as_ref().err().map(String::as_str)
    }

    /// The fragment of the id (after `#`).
    pub fn fragment(&self) -> &str {
        self.id.split_once('#').map_or("", |(_, fragment)| fragment)
    }

    fn matches_kid(&self, kid: &str) -> bool {
        self.jwk_kid.as_deref() == Some(kid) || self.fragment() == kid
    }
}

fn member_str<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    context: &str,
) -> Result<Option<&'a str>> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!(
            "{context} member {name:?} must be a string"
        ))),
    }
}

fn required_str<'a>(obj: &'a Map<String, Value>, name: &str, context: &str) -> Result<&'a str> {
    member_str(obj, name, context)?.ok_or_else(|| invalid(format!("{context} lacks {name:?}")))
}

/// The key of a verification method, or why it cannot be used. Only structural errors of the method
/// itself (id, type, controller) fail the whole document; anything about the key material does not,
/// so that one exotic key (X25519, secp256k1, BLS) does not make a third party's document unusable.
fn method_key(obj: &Map<String, Value>, method_type: &str) -> core::result::Result<Jwk, String> {
    let materials: Vec<&str> = ["publicKeyJwk", "publicKeyMultibase", "publicKeyBase58"]
        .into_iter()
        .filter(|m| obj.contains_key(*m))
        .collect();
    let material = match materials.as_slice() {
        [one] => *one,
        [] => return Err("verification method has no supported key material".to_owned()),
        _ => {
            return Err(format!(
                "verification method has more than one key material ({})",
                materials.join(", ")
            ));
        }
    };
    match (material, method_type, obj.get(material)) {
        ("publicKeyJwk", "JsonWebKey2020" | "JsonWebKey", Some(Value::Object(jwk))) => {
            Jwk::from_map(jwk).map_err(|e| e.message)
        }
        ("publicKeyMultibase", "Multikey", Some(Value::String(mb))) => {
            multibase_jwk(mb, MultikeyFamilies::Any)
        }
        ("publicKeyMultibase", "Ed25519VerificationKey2020", Some(Value::String(mb))) => {
            multibase_jwk(mb, MultikeyFamilies::Ed25519Only)
        }
        ("publicKeyBase58", "Ed25519VerificationKey2018", Some(Value::String(b58))) => {
            if b58.len() > MAX_MULTIBASE_KEY_LENGTH {
                return Err("publicKeyBase58 is too long".to_owned());
            }
            let bytes = bs58::decode(b58)
                .into_vec()
                .map_err(|_| "publicKeyBase58 is not valid base58btc")?;
            ed25519_jwk(&bytes)
        }
        ("publicKeyJwk", _, Some(Value::Object(_)))
        | ("publicKeyMultibase" | "publicKeyBase58", _, Some(Value::String(_))) => Err(format!(
            "verification method type {method_type:?} is not supported with {material}"
        )),
        _ => Err(format!("{material} has the wrong JSON type")),
    }
}

fn parse_method(obj: &Map<String, Value>, document_id: &str) -> Result<VerificationMethod> {
    let context = "verification method";
    let id = resolve_reference(required_str(obj, "id", context)?, document_id)?;
    let method_type = required_str(obj, "type", context)?;
    let controller = required_str(obj, "controller", context)?;
    validate_did(controller)?;
    let jwk_kid = match obj.get("publicKeyJwk") {
        Some(Value::Object(jwk)) => match jwk.get("kid") {
            Some(Value::String(kid)) => Some(kid.clone()),
            _ => None,
        },
        _ => None,
    };
    let on_this_did = id
        .split_once('#')
        .is_some_and(|(did, _)| did == document_id);
    let key = if on_this_did {
        method_key(obj, method_type)
    } else {
        // Selecting it would let a document vouch for a key under another DID's name.
        Err(format!(
            "verification method {id:?} belongs to another DID than {document_id:?}"
        ))
    };
    Ok(VerificationMethod {
        id,
        method_type: method_type.to_owned(),
        controller: controller.to_owned(),
        jwk_kid,
        key,
    })
}

/// A parsed DID document: its id, verification methods and the relationships that authorize them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidDocument {
    id: String,
    methods: Vec<VerificationMethod>,
    /// (purpose, absolute method id), in document order; may name methods of other documents.
    references: Vec<(Purpose, String)>,
}

impl DidDocument {
    /// Parses a DID document (JSON text, duplicate members rejected, at most
    /// [`MAX_DID_DOCUMENT_BYTES`]) resolved for `expected_did`; its `id` must equal `expected_did`.
    pub fn from_json(json: &str, expected_did: &str) -> Result<DidDocument> {
        if json.len() > MAX_DID_DOCUMENT_BYTES {
            return Err(invalid(format!(
                "DID document is larger than {MAX_DID_DOCUMENT_BYTES} bytes"
            )));
        }
        let map = crate::json::parse_object_strict(json.as_bytes())
            .map_err(|e| invalid(format!("DID document is not a JSON object: {e}")))?;
        DidDocument::from_map(&map, expected_did)
    }

    /// Parses an already decoded DID document resolved for `expected_did` (the caller bounds its size
    /// and rejects duplicate members).
    ///
    /// [`ErrorCode::InvalidDid`] when: `id` is missing, not a DID or differs from `expected_did`;
    /// `verificationMethod` or a relationship is not an array; a method is not an object or lacks a
    /// string `id`/`type`/`controller`; two methods share an id (after resolving relative ids); more than
    /// [`MAX_VERIFICATION_METHODS`] methods. Methods whose key material is unsupported or malformed are
    /// kept as unusable.
    pub fn from_map(map: &Map<String, Value>, expected_did: &str) -> Result<DidDocument> {
        let id = required_str(map, "id", "DID document")?;
        validate_did(id)?;
        if id != expected_did {
            return Err(invalid(format!(
                "DID document id {id:?} is not the DID being resolved, {expected_did:?}"
            )));
        }
        let mut methods: Vec<VerificationMethod> = Vec::new();
        let add_method = |methods: &mut Vec<VerificationMethod>, value: &Value| -> Result<String> {
            let Value::Object(obj) = value else {
                return Err(invalid("a verification method must be an object"));
            };
            if methods.len() >= MAX_VERIFICATION_METHODS {
                return Err(invalid(format!(
                    "DID document has more than {MAX_VERIFICATION_METHODS} verification methods"
                )));
            }
            let method = parse_method(obj, id)?;
            if methods.iter().any(|m| m.id == method.id) {
                return Err(invalid(format!(
                    "verification method id {:?} appears twice",
                    method.id
                )));
            }
            let method_id = method.id.clone();
            methods.push(method);
            Ok(method_id)
        };
        match map.get("verificationMethod") {
            None => {}
            Some(Value::Array(list)) => {
                if list.len() > MAX_VERIFICATION_METHODS {
                    return Err(invalid(format!(
                        "DID document has more than {MAX_VERIFICATION_METHODS} verification methods"
                    )));
                }
                for value in list {
                    add_method(&mut methods, value)?;
                }
            }
            Some(_) => return Err(invalid("\"verificationMethod\" must be an array")),
        }
        let mut references = Vec::new();
        for purpose in Purpose::ALL {
            match map.get(purpose.name()) {
                None => {}
                Some(Value::Array(list)) => {
                    for entry in list {
                        let method_id = match entry {
                            Value::String(reference) => resolve_reference(reference, id)?,
                            Value::Object(_) => add_method(&mut methods, entry)?,
                            _ => {
                                return Err(invalid(format!(
                                    "{:?} entries must be method references or embedded methods",
                                    purpose.name()
                                )));
                            }
                        };
                        if references.len() >= MAX_VERIFICATION_METHODS * Purpose::ALL.len() {
                            return Err(invalid(
                                "DID document has too many verification relationship entries",
                            ));
                        }
                        references.push((purpose, method_id));
                    }
                }
                Some(_) => return Err(invalid(format!("{:?} must be an array", purpose.name()))),
            }
        }
        Ok(DidDocument {
            id: id.to_owned(),
            methods,
            references,
        })
    }

    /// The document's DID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Every verification method (listed, then embedded), in document order.
    pub fn verification_methods(&self) -> &[VerificationMethod] {
        &self.methods
    }

    /// The absolute ids of the methods authorized for `purpose`, in document order.
    pub fn method_ids(&self, purpose: Purpose) -> Vec<&str> {
        self.references
            .iter()
            .filter(|(p, _)| *p == purpose)
            .map(|(_, id)| id.as_str())
            .collect()
    }

    /// The usable keys, optionally only those authorized for `purpose` (e.g. to build a
    /// [`crate::jwk::KeySet`] with [`crate::jwk::KeySet::from_jwks`]).
    pub fn keys(&self, purpose: Option<Purpose>) -> Vec<Jwk> {
        self.methods
            .iter()
            .filter(|m| purpose.is_none_or(|p| self.is_authorized(&m.id, p)))
            .filter_map(|m| m.key.as_ref().ok().cloned())
            .collect()
    }

    fn is_authorized(&self, method_id: &str, purpose: Purpose) -> bool {
        self.references
            .iter()
            .any(|(p, id)| *p == purpose && id == method_id)
    }

    /// Finds the verification method named by `reference`:
    ///
    /// * a DID URL (`did:web:grantex.dev#key-1`) — its DID must be this document's id;
    /// * a fragment (`#key-1`), resolved against the document id;
    /// * a bare `kid` (e.g. a JWS header `kid`), matching the method's `publicKeyJwk.kid` or its fragment;
    ///   exactly one method may match.
    ///
    /// With `purpose`, the method must also be listed under that relationship. Errors are
    /// [`ErrorCode::InvalidDid`] (not found, ambiguous, not authorized, another DID).
    pub fn method_for(
        &self,
        reference: &str,
        purpose: Option<Purpose>,
    ) -> Result<&VerificationMethod> {
        let method = if reference.starts_with('#') || reference.starts_with("did:") {
            let absolute = resolve_reference(reference, &self.id)?;
            if absolute
                .split_once('#')
                .is_none_or(|(did, _)| did != self.id)
            {
                return Err(invalid(format!(
                    "{reference:?} names another DID than {:?}",
                    self.id
                )));
            }
            self.methods
                .iter()
                .find(|m| m.id == absolute)
                .ok_or_else(|| {
                    invalid(format!(
                        "DID document has no verification method {absolute:?}"
                    ))
                })?
        } else {
            if reference.is_empty() {
                return Err(invalid("empty key reference"));
            }
            let mut found = self.methods.iter().filter(|m| m.matches_kid(reference));
            match (found.next(), found.next()) {
                (Some(method), None) => method,
                (None, _) => {
                    return Err(invalid(format!(
                        "DID document has no verification method for kid {reference:?}"
                    )));
                }
                (Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "kid {reference:?} matches more than one verification method"
                    )));
                }
            }
        };
        if let Some(purpose) = purpose
            && !self.is_authorized(&method.id, purpose)
        {
            return Err(invalid(format!(
                "verification method {:?} is not listed under {purpose}",
                method.id
            )));
        }
        Ok(method)
    }

    /// The key named by `reference` (see [`DidDocument::method_for`]), authorized for `purpose` when
    /// given. A method whose key cannot be used gives [`ErrorCode::InvalidKey`].
    pub fn key_for(&self, reference: &str, purpose: Option<Purpose>) -> Result<Jwk> {
        self.method_for(reference, purpose)?.jwk().cloned()
    }
}

/// The public members of a JWK (`kty`, `crv`/`x`/`y` or `n`/`e`, plus `kid` and `alg` when set), e.g. to
/// publish keys in a `did.json` or to return a `did:key` key to a binding.
pub fn public_jwk_members(jwk: &Jwk) -> Map<String, Value> {
    let mut map = Map::new();
    let mut put = |name: &str, value: String| {
        map.insert(name.to_owned(), Value::String(value));
    };
    match &jwk.material {
        PublicKeyMaterial::Rsa { n, e } => {
            put("kty", "RSA".to_owned());
            put("n", b64::encode(n));
            put("e", b64::encode(e));
        }
        PublicKeyMaterial::Ec { kind, point } => {
            let (crv, len) = match kind {
                crate::crypto::KeyKind::P384 => ("P-384", 48),
                _ => ("P-256", 32),
            };
            put("kty", "EC".to_owned());
            put("crv", crv.to_owned());
            let coordinates = point.get(1..).unwrap_or_default();
            put("x", b64::encode(coordinates.get(..len).unwrap_or_default()));
            put("y", b64::encode(coordinates.get(len..).unwrap_or_default()));
        }
        PublicKeyMaterial::Ed25519 { x } => {
            put("kty", "OKP".to_owned());
            put("crv", "Ed25519".to_owned());
            put("x", b64::encode(x));
        }
    }
    if let Some(kid) = &jwk.kid {
        put("kid", kid.clone());
    }
    if let Some(alg) = jwk.alg {
        put("alg", alg.name().to_owned());
    }
    map
}

// ---------------------------------------------------------------------------------------------------------
// did:grantex
// ---------------------------------------------------------------------------------------------------------

/// Crockford base32 upper case without I, L, O, U.
fn is_crockford_upper(b: u8) -> bool {
    b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U'))
}

fn validate_agent_id(agent_id: &str) -> Result<()> {
    let Some(ulid) = agent_id.strip_prefix(AgentDid::AGENT_ID_PREFIX) else {
        return Err(invalid(format!(
            "agent id {agent_id:?} does not start with \"ag_\""
        )));
    };
    // A ULID's first character carries the top 3 bits of its 48-bit time, so it is at most '7'.
    let ok = ulid.len() == 26
        && ulid.bytes().all(is_crockford_upper)
        && ulid
            .bytes()
            .next()
            .is_some_and(|b| (b'0'..=b'7').contains(&b));
    if !ok {
        return Err(invalid(format!(
            "agent id {agent_id:?} is not \"ag_\" followed by an upper-case 26-character ULID"
        )));
    }
    Ok(())
}

/// An agent DID, `did:grantex:ag_<ULID>` (PROTOCOL.md §1.5). Not resolvable: agents hold no keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentDid {
    did: String,
}

impl AgentDid {
    /// The DID prefix, `did:grantex:`.
    pub const PREFIX: &'static str = "did:grantex:";
    /// The agent-id prefix, `ag_`.
    pub const AGENT_ID_PREFIX: &'static str = "ag_";

    /// Parses and validates `did:grantex:ag_<ULID>`.
    pub fn parse(did: &str) -> Result<AgentDid> {
        let agent_id = did
            .strip_prefix(AgentDid::PREFIX)
            .ok_or_else(|| invalid(format!("{did:?} is not a did:grantex DID")))?;
        validate_agent_id(agent_id)?;
        Ok(AgentDid {
            did: did.to_owned(),
        })
    }

    /// The DID of an agent id (`ag_<ULID>`, validated).
    pub fn from_agent_id(agent_id: &str) -> Result<AgentDid> {
        validate_agent_id(agent_id)?;
        Ok(AgentDid {
            did: format!("{}{agent_id}", AgentDid::PREFIX),
        })
    }

    /// The agent id, `ag_<ULID>`.
    pub fn agent_id(&self) -> &str {
        self.did.strip_prefix(AgentDid::PREFIX).unwrap_or_default()
    }

    /// The DID as a string.
    pub fn as_str(&self) -> &str {
        &self.did
    }
}

impl fmt::Display for AgentDid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.did)
    }
}

impl std::str::FromStr for AgentDid {
    type Err = Error;

    fn from_str(s: &str) -> Result<AgentDid> {
        AgentDid::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::crypto::Backend;
    use serde_json::json;

    fn code<T: fmt::Debug>(result: Result<T>) -> ErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn did_web_to_url_table() {
        let ok = [
            (
                "did:web:grantex.dev",
                "https://grantex.dev/.well-known/did.json",
            ),
            (
                "did:web:w3c-ccg.github.io",
                "https://w3c-ccg.github.io/.well-known/did.json",
            ),
            (
                "did:web:w3c-ccg.github.io:user:alice",
                "https://w3c-ccg.github.io/user/alice/did.json",
            ),
            (
                "did:web:localhost%3A3001",
                "https://localhost:3001/.well-known/did.json",
            ),
            (
                "did:web:example.com%3A8443:tenants:t_1",
                "https://example.com:8443/tenants/t_1/did.json",
            ),
            (
                "did:web:example.com:a%20b",
                "https://example.com/a%20b/did.json",
            ),
            (
                "did:web:xn--bcher-kva.example",
                "https://xn--bcher-kva.example/.well-known/did.json",
            ),
            (
                "did:web:example.com:...",
                "https://example.com/.../did.json",
            ),
        ];
        for (did, url) in ok {
            assert_eq!(did_web_to_url(did).unwrap(), url, "{did}");
        }
        let bad = [
            "did:web:",
            "did:web",
            "did:key:z6Mk",
            "did:web:Example.com",
            "did:web:example.com:",
            "did:web:example.com::alice",
            "did:web::alice",
            "did:web:example.com:..",
            "did:web:example.com:.",
            "did:web:example.com:%2E%2E",
            "did:web:example.com:a%2Fb",
            "did:web:example.com:a%41",
            "did:web:example.com:a%zz",
            "did:web:example.com:a%4",
            "did:web:example.com%2Fevil",
            "did:web:localhost%3a3001",
            "did:web:localhost%3A",
            "did:web:localhost%3A0",
            "did:web:localhost%3A03001",
            "did:web:localhost%3A65536",
            "did:web:localhost%3A1%3A2",
            "did:web:example.com#key-1",
            "did:web:example.com?versionId=1",
            "did:web:example.com/path",
            "did:web:127.0.0.1",
            "did:web:127.0.0.1%3A3001",
            "did:web:-example.com",
            "did:web:example-.com",
            "did:web:exa_mple.com",
            "did:web:example..com",
            "did:web:example.com.",
            "did:web:exa mple.com",
            "did:web:user@example.com",
            "did:web:example.com:a~b",
        ];
        for did in bad {
            assert_eq!(code(did_web_to_url(did)), ErrorCode::InvalidDid, "{did}");
        }
        let long = format!("did:web:example.com:{}", "a".repeat(MAX_DID_LENGTH));
        assert_eq!(code(did_web_to_url(&long)), ErrorCode::InvalidDid);
    }

    #[test]
    fn did_web_from_url_table() {
        let ok = [
            ("https://grantex.dev", "did:web:grantex.dev"),
            ("https://grantex.dev/", "did:web:grantex.dev"),
            ("https://localhost:3001", "did:web:localhost%3A3001"),
            ("http://localhost:3001/", "did:web:localhost%3A3001"),
            ("HTTPS://API.Example.COM", "did:web:api.example.com"),
            (
                "https://example.com:443/tenants/acme",
                "did:web:example.com:tenants:acme",
            ),
            ("http://example.com:80", "did:web:example.com"),
            ("http://example.com:443", "did:web:example.com%3A443"),
            (
                "https://example.com:8443/v1/",
                "did:web:example.com%3A8443:v1",
            ),
        ];
        for (url, did) in ok {
            assert_eq!(did_web_from_url(url).unwrap(), did, "{url}");
            // Every produced DID maps back to a URL on the same host and path.
            assert!(did_web_to_url(did).is_ok(), "{did}");
        }
        let bad = [
            "grantex.dev",
            "ftp://grantex.dev",
            "https://",
            "https://:3001",
            "https://user@example.com",
            "https://example.com?x=1",
            "https://example.com/#frag",
            "https://example.com//",
            "https://example.com/a//b",
            "https://example.com/a/../b",
            "https://example.com/~alice",
            "https://127.0.0.1:3001",
            "https://[::1]:3001",
            "https://example.com:",
            "https://example.com:99999",
            "https://exa mple.com",
            "https://bücher.example",
        ];
        for url in bad {
            assert_eq!(code(did_web_from_url(url)), ErrorCode::InvalidDid, "{url}");
        }
    }

    /// W3C did:key test vectors (w3c-ccg/did-method-key test-vectors/ed25519-x25519.json, nist-curves.json).
    const ED25519_VECTORS: [(&str, &str); 3] = [
        (
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik",
        ),
        (
            "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
            "TLWr9q15-_WrvMr8wmnYXNJlHtS4hbWGnyQa7fCluik",
        ),
        (
            "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
            "dCK5iHWYBo4yxESKlJrbKQ0PTjW54BsO5fGh5gD-JnQ",
        ),
    ];
    const P256_VECTORS: [(&str, &str, &str); 2] = [
        (
            "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
            "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
            "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
        ),
        (
            "did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169",
            "fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI",
            "hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU",
        ),
    ];

    #[test]
    fn did_key_w3c_vectors() {
        for (did, x) in ED25519_VECTORS {
            let jwk = did_key_to_jwk(did).unwrap();
            let members = public_jwk_members(&jwk);
            assert_eq!(
                Value::Object(members),
                json!({"kty":"OKP","crv":"Ed25519","x":x}),
                "{did}"
            );
            for backend in Backend::available() {
                assert!(jwk.verifying_key(backend).is_ok());
            }
        }
        for (did, x, y) in P256_VECTORS {
            let jwk = did_key_to_jwk(did).unwrap();
            let members = public_jwk_members(&jwk);
            assert_eq!(
                Value::Object(members),
                json!({"kty":"EC","crv":"P-256","x":x,"y":y}),
                "{did}"
            );
            for backend in Backend::available() {
                assert!(jwk.verifying_key(backend).is_ok());
            }
        }
    }

    #[test]
    fn did_key_document() {
        let (did, x, _) = P256_VECTORS[0];
        let doc = resolve_did_key(did).unwrap();
        assert_eq!(doc.id(), did);
        let multibase = did.strip_prefix("did:key:").unwrap();
        let full = format!("{did}#{multibase}");
        let fragment = format!("#{multibase}");
        for reference in [full.as_str(), fragment.as_str(), multibase] {
            for purpose in Purpose::ALL {
                let jwk = doc.key_for(reference, Some(purpose)).unwrap();
                assert_eq!(public_jwk_members(&jwk)["x"], x);
            }
        }
        assert_eq!(
            doc.method_ids(Purpose::AssertionMethod),
            vec![full.as_str()]
        );
        assert_eq!(doc.verification_methods()[0].method_type, "Multikey");
        assert_eq!(code(doc.key_for("#other", None)), ErrorCode::InvalidDid);
        let foreign = format!("{}#{multibase}", ED25519_VECTORS[0].0);
        assert_eq!(code(doc.key_for(&foreign, None)), ErrorCode::InvalidDid);
    }

    #[test]
    fn did_key_rejects() {
        let bad = [
            // P-384 (W3C vector): well formed but unsupported.
            "did:key:z82Lm1MpAkeJcix9K8TMiLd5NMAhnwkjjCBeWHXyu3U4oT2MVJJKXkcVBgjGhnLBn2Kaau9",
            // X25519 is a key-agreement key.
            "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",
            // Not base58btc multibase.
            "did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDoo0p",
            // Truncated key.
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooW",
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "did:key:1.0:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            "did:key:",
            "did:key:z",
            "did:web:example.com",
        ];
        for did in bad {
            assert_eq!(code(did_key_to_jwk(did)), ErrorCode::InvalidDid, "{did}");
            assert_eq!(code(resolve_did_key(did)), ErrorCode::InvalidDid, "{did}");
        }
        let long = format!("did:key:z{}", "2".repeat(MAX_MULTIBASE_KEY_LENGTH));
        assert_eq!(code(did_key_to_jwk(&long)), ErrorCode::InvalidDid);
        // A compressed P-256 point whose x gives no curve point (about half of all x values).
        let not_on_curve = (1u8..=255)
            .map(|last| {
                let mut point = vec![0x02];
                point.extend_from_slice(&[0u8; 31]);
                point.push(last);
                point
            })
            .find(|point| p256::PublicKey::from_sec1_bytes(point).is_err())
            .unwrap();
        let mut bytes = MULTICODEC_P256.to_vec();
        bytes.extend_from_slice(&not_on_curve);
        let did = format!("did:key:z{}", bs58::encode(&bytes).into_string());
        assert_eq!(code(did_key_to_jwk(&did)), ErrorCode::InvalidDid);
        // Uncompressed P-256 points are not used by did:key.
        let (_, x, y) = P256_VECTORS[0];
        let mut uncompressed = MULTICODEC_P256.to_vec();
        uncompressed.push(0x04);
        uncompressed.extend(b64::decode(x.as_bytes()).unwrap());
        uncompressed.extend(b64::decode(y.as_bytes()).unwrap());
        let did = format!("did:key:z{}", bs58::encode(&uncompressed).into_string());
        assert_eq!(code(did_key_to_jwk(&did)), ErrorCode::InvalidDid);
    }

    const RSA_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    /// A Grantex-style did.json: an RSA JsonWebKey2020 key (upstream layout), a P-256 JsonWebKey2020 key
    /// with a relative id, an Ed25519 Multikey, a P-256 Multikey and an embedded authentication key.
    fn sample_document() -> Value {
        let (_, p256_x, p256_y) = P256_VECTORS[1];
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": "did:web:grantex.dev",
            "verificationMethod": [
                {"id": "did:web:grantex.dev#grantex-2026-01", "type": "JsonWebKey2020",
                 "controller": "did:web:grantex.dev",
                 "publicKeyJwk": {"kty": "RSA", "n": RSA_N, "e": "AQAB", "alg": "RS256", "use": "sig",
                                  "kid": "grantex-2026-01"}},
                {"id": "#vc-es256", "type": "JsonWebKey2020", "controller": "did:web:grantex.dev",
                 "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": p256_x, "y": p256_y, "kid": "thumb-es"}},
                {"id": "#ed", "type": "Multikey", "controller": "did:web:grantex.dev",
                 "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
                {"id": "#p256", "type": "Multikey", "controller": "did:web:grantex.dev",
                 "publicKeyMultibase": "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"}
            ],
            "assertionMethod": ["did:web:grantex.dev#grantex-2026-01", "#vc-es256", "#ed", "#p256"],
            "authentication": [
                "#grantex-2026-01",
                {"id": "#auth-ed", "type": "Ed25519VerificationKey2020", "controller": "did:web:grantex.dev",
                 "publicKeyMultibase": "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"}
            ],
            "service": [{"id": "did:web:grantex.dev#jwks", "type": "JsonWebKeySet",
                         "serviceEndpoint": "https://grantex.dev/.well-known/jwks.json"}]
        })
    }

    fn parse(doc: &Value, did: &str) -> Result<DidDocument> {
        DidDocument::from_json(&doc.to_string(), did)
    }

    #[test]
    fn document_lookup_and_purposes() {
        let doc = parse(&sample_document(), "did:web:grantex.dev").unwrap();
        assert_eq!(doc.verification_methods().len(), 5);
        assert!(
            doc.verification_methods()
                .iter()
                .all(|m| m.unusable_reason().is_none())
        );
        let ids: Vec<&str> = doc
            .verification_methods()
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(ids[1], "did:web:grantex.dev#vc-es256");
        assert_eq!(ids[4], "did:web:grantex.dev#auth-ed");

        // The RSA key by full DID URL, fragment and JWK kid.
        for reference in [
            "did:web:grantex.dev#grantex-2026-01",
            "#grantex-2026-01",
            "grantex-2026-01",
        ] {
            let jwk = doc
                .key_for(reference, Some(Purpose::AssertionMethod))
                .unwrap();
            assert_eq!(jwk.kid.as_deref(), Some("grantex-2026-01"));
            assert_eq!(jwk.kind(), crate::crypto::KeyKind::Rsa);
        }
        // Bare kid matching the JWK kid, and bare kid matching the fragment.
        let es = doc
            .key_for("thumb-es", Some(Purpose::AssertionMethod))
            .unwrap();
        assert_eq!(public_jwk_members(&es)["x"], P256_VECTORS[1].1);
        assert_eq!(doc.key_for("vc-es256", None).unwrap(), es);
        // Multikey methods.
        let ed = doc.key_for("#ed", Some(Purpose::AssertionMethod)).unwrap();
        assert_eq!(public_jwk_members(&ed)["x"], ED25519_VECTORS[0].1);
        let p256 = doc
            .key_for("did:web:grantex.dev#p256", Some(Purpose::AssertionMethod))
            .unwrap();
        assert_eq!(public_jwk_members(&p256)["y"], P256_VECTORS[0].2);
        // Embedded method: authorized for authentication only.
        let auth = doc
            .key_for("#auth-ed", Some(Purpose::Authentication))
            .unwrap();
        assert_eq!(public_jwk_members(&auth)["x"], ED25519_VECTORS[1].1);
        assert_eq!(
            code(doc.key_for("#auth-ed", Some(Purpose::AssertionMethod))),
            ErrorCode::InvalidDid
        );
        assert!(doc.key_for("#auth-ed", None).is_ok());
        // Purpose filtering.
        assert!(
            doc.key_for("#grantex-2026-01", Some(Purpose::Authentication))
                .is_ok()
        );
        assert_eq!(
            code(doc.key_for("#ed", Some(Purpose::Authentication))),
            ErrorCode::InvalidDid
        );
        assert_eq!(
            code(doc.key_for("#ed", Some(Purpose::CapabilityInvocation))),
            ErrorCode::InvalidDid
        );
        assert_eq!(doc.keys(Some(Purpose::AssertionMethod)).len(), 4);
        assert_eq!(doc.keys(Some(Purpose::Authentication)).len(), 2);
        assert_eq!(doc.keys(None).len(), 5);
        assert_eq!(
            doc.method_ids(Purpose::Authentication),
            vec![
                "did:web:grantex.dev#grantex-2026-01",
                "did:web:grantex.dev#auth-ed"
            ]
        );
        // Not found, other DID, malformed references.
        for reference in [
            "#nope",
            "nope",
            "did:web:grantex.dev#nope",
            "",
            "#",
            "did:web:grantex.dev",
        ] {
            assert_eq!(
                code(doc.key_for(reference, None)),
                ErrorCode::InvalidDid,
                "{reference:?}"
            );
        }
        assert_eq!(
            code(doc.key_for("did:web:evil.example#ed", None)),
            ErrorCode::InvalidDid
        );
        // The keys build a KeySet.
        let set = crate::jwk::KeySet::from_jwks(
            &doc.keys(Some(Purpose::AssertionMethod)),
            Backend::DEFAULT,
        )
        .unwrap();
        assert_eq!(set.len(), 4);
        assert!(
            set.select(crate::crypto::Algorithm::RS256, Some("grantex-2026-01"))
                .is_ok()
        );
    }

    #[test]
    fn document_id_must_match() {
        let doc = sample_document();
        assert_eq!(
            code(parse(&doc, "did:web:grantex.dev:other")),
            ErrorCode::InvalidDid
        );
        assert_eq!(
            code(parse(&doc, "did:web:evil.example")),
            ErrorCode::InvalidDid
        );
        let mut no_id = doc.clone();
        no_id.as_object_mut().unwrap().remove("id");
        assert_eq!(
            code(parse(&no_id, "did:web:grantex.dev")),
            ErrorCode::InvalidDid
        );
        let mut bad_id = doc;
        bad_id["id"] = json!("not a did");
        assert_eq!(code(parse(&bad_id, "not a did")), ErrorCode::InvalidDid);
    }

    #[test]
    fn duplicate_ids_and_members_rejected() {
        // The same id spelled absolute and relative.
        let mut doc = sample_document();
        doc["verificationMethod"][1]["id"] = json!("did:web:grantex.dev#ed");
        assert_eq!(
            code(parse(&doc, "did:web:grantex.dev")),
            ErrorCode::InvalidDid
        );
        // An embedded method reusing a listed id.
        let mut doc = sample_document();
        doc["authentication"][1]["id"] = json!("#p256");
        assert_eq!(
            code(parse(&doc, "did:web:grantex.dev")),
            ErrorCode::InvalidDid
        );
        // Duplicate JSON members anywhere.
        let text = r##"{"id":"did:web:a.example","verificationMethod":[{"id":"#k","id":"#j","type":"Multikey","controller":"did:web:a.example","publicKeyMultibase":"z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"}]}"##;
        assert_eq!(
            code(DidDocument::from_json(text, "did:web:a.example")),
            ErrorCode::InvalidDid
        );
        let text = r#"{"id":"did:web:a.example","id":"did:web:a.example"}"#;
        assert_eq!(
            code(DidDocument::from_json(text, "did:web:a.example")),
            ErrorCode::InvalidDid
        );
    }

    #[test]
    fn structural_errors_and_bounds() {
        let did = "did:web:grantex.dev";
        let base = sample_document();
        type Mutation = Box<dyn Fn(&mut Value)>;
        let mutations: Vec<Mutation> = vec![
            Box::new(|d| d["verificationMethod"] = json!({})),
            Box::new(|d| d["verificationMethod"][0] = json!("did:web:grantex.dev#x")),
            Box::new(|d| d["verificationMethod"][0]["type"] = json!(1)),
            Box::new(|d| {
                d["verificationMethod"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("controller");
            }),
            Box::new(|d| d["verificationMethod"][0]["controller"] = json!("grantex.dev")),
            Box::new(|d| d["verificationMethod"][0]["id"] = json!("key-1")),
            Box::new(|d| d["verificationMethod"][0]["id"] = json!("did:web:grantex.dev")),
            Box::new(|d| d["verificationMethod"][0]["id"] = json!("# bad")),
            Box::new(|d| d["assertionMethod"] = json!("#ed")),
            Box::new(|d| d["assertionMethod"][0] = json!(7)),
            Box::new(|d| d["authentication"][0] = json!("relative")),
        ];
        for (i, mutate) in mutations.iter().enumerate() {
            let mut doc = base.clone();
            mutate(&mut doc);
            assert_eq!(
                code(parse(&doc, did)),
                ErrorCode::InvalidDid,
                "mutation {i}"
            );
        }
        assert_eq!(
            code(DidDocument::from_json("[]", did)),
            ErrorCode::InvalidDid
        );
        assert_eq!(
            code(DidDocument::from_json("{", did)),
            ErrorCode::InvalidDid
        );

        let method = |i: usize| {
            json!({"id": format!("#k{i}"), "type": "Multikey", "controller": did,
                   "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"})
        };
        let full: Vec<Value> = (0..MAX_VERIFICATION_METHODS).map(method).collect();
        let doc = json!({"id": did, "verificationMethod": full.clone()});
        assert_eq!(
            parse(&doc, did).unwrap().verification_methods().len(),
            MAX_VERIFICATION_METHODS
        );
        let doc = json!({"id": did, "verificationMethod": full.clone(), "authentication": [method(1000)]});
        assert_eq!(code(parse(&doc, did)), ErrorCode::InvalidDid);
        let over: Vec<Value> = (0..=MAX_VERIFICATION_METHODS).map(method).collect();
        assert_eq!(
            code(parse(&json!({"id": did, "verificationMethod": over}), did)),
            ErrorCode::InvalidDid
        );
        let padded = format!(
            r#"{{"id":"{did}","pad":"{}"}}"#,
            "x".repeat(MAX_DID_DOCUMENT_BYTES)
        );
        assert_eq!(
            code(DidDocument::from_json(&padded, did)),
            ErrorCode::InvalidDid
        );
        // No methods at all is a valid (if useless) document.
        let empty = parse(&json!({"id": did}), did).unwrap();
        assert_eq!(code(empty.key_for("#k", None)), ErrorCode::InvalidDid);
    }

    #[test]
    fn unusable_methods_are_kept() {
        let did = "did:web:grantex.dev";
        let ed = ED25519_VECTORS[0].1;
        let doc = json!({
            "id": did,
            "verificationMethod": [
                {"id": "#private", "type": "JsonWebKey2020", "controller": did,
                 "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": ed, "d": ed}},
                {"id": "#small-rsa", "type": "JsonWebKey2020", "controller": did,
                 "publicKeyJwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}},
                {"id": "#mismatch", "type": "Multikey", "controller": did,
                 "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": ed}},
                {"id": "#ed2020-p256", "type": "Ed25519VerificationKey2020", "controller": did,
                 "publicKeyMultibase": "zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"},
                {"id": "#two", "type": "JsonWebKey2020", "controller": did,
                 "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": ed},
                 "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"},
                {"id": "#none", "type": "JsonWebKey2020", "controller": did},
                {"id": "#x25519", "type": "Multikey", "controller": did,
                 "publicKeyMultibase": "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"},
                {"id": "#jwk-string", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": "{}"},
                {"id": "did:web:other.example#k", "type": "JsonWebKey2020", "controller": "did:web:other.example",
                 "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": ed, "kid": "foreign"}},
                {"id": "#good", "type": "JsonWebKey", "controller": did,
                 "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": ed, "kid": "foreign"}}
            ],
            "assertionMethod": ["#private", "#small-rsa", "#mismatch", "#ed2020-p256", "#two", "#none", "#x25519",
                                "#jwk-string", "did:web:other.example#k", "#good"]
        });
        let doc = parse(&doc, did).unwrap();
        assert_eq!(doc.verification_methods().len(), 10);
        assert_eq!(doc.keys(None).len(), 1);
        for reference in [
            "#private",
            "#small-rsa",
            "#mismatch",
            "#ed2020-p256",
            "#two",
            "#none",
            "#x25519",
            "#jwk-string",
        ] {
            assert_eq!(
                code(doc.key_for(reference, Some(Purpose::AssertionMethod))),
                ErrorCode::InvalidKey,
                "{reference}"
            );
        }
        // A method under another DID cannot be named by its DID URL, and a kid shared with it is ambiguous.
        assert_eq!(
            code(doc.key_for("did:web:other.example#k", None)),
            ErrorCode::InvalidDid
        );
        assert_eq!(code(doc.key_for("foreign", None)), ErrorCode::InvalidDid);
        assert!(doc.key_for("#good", Some(Purpose::AssertionMethod)).is_ok());
    }

    #[test]
    fn w3c_did_key_document_with_base58_keys() {
        // The W3C did:key example document (Ed25519VerificationKey2018 + X25519KeyAgreementKey2019).
        let did = ED25519_VECTORS[0].0;
        let vm = format!("{did}#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp");
        let ka = format!("{did}#z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW");
        let doc = json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/ed25519-2018/v1",
                         "https://w3id.org/security/suites/x25519-2019/v1"],
            "id": did,
            "verificationMethod": [
                {"id": vm, "type": "Ed25519VerificationKey2018", "controller": did,
                 "publicKeyBase58": "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"},
                {"id": ka, "type": "X25519KeyAgreementKey2019", "controller": did,
                 "publicKeyBase58": "7By6kV2t2d188odEM4ExAve1UithKT6dLva4dwsDT3ak"}
            ],
            "assertionMethod": [vm], "authentication": [vm], "capabilityInvocation": [vm],
            "capabilityDelegation": [vm], "keyAgreement": [ka]
        });
        let doc = parse(&doc, did).unwrap();
        let from_doc = doc.key_for(&vm, Some(Purpose::AssertionMethod)).unwrap();
        assert_eq!(from_doc, did_key_to_jwk(did).unwrap());
        assert_eq!(
            from_doc,
            resolve_did_key(did)
                .unwrap()
                .key_for(&vm, Some(Purpose::AssertionMethod))
                .unwrap()
        );
        assert_eq!(code(doc.key_for(&ka, None)), ErrorCode::InvalidKey);
    }

    #[test]
    fn agent_did_table() {
        let ok = "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1";
        let did = AgentDid::parse(ok).unwrap();
        assert_eq!(did.agent_id(), "ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1");
        assert_eq!(did.as_str(), ok);
        assert_eq!(did.to_string(), ok);
        assert_eq!(
            AgentDid::from_agent_id("ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1").unwrap(),
            did
        );
        assert_eq!(ok.parse::<AgentDid>().unwrap(), did);
        assert!(AgentDid::parse("did:grantex:ag_7ZZZZZZZZZZZZZZZZZZZZZZZZZ").is_ok());
        assert!(AgentDid::parse("did:grantex:ag_00000000000000000000000000").is_ok());
        let bad = [
            "did:grantex:ag_01hzx3n4q9r8t7v6w5y4z3a2b1",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2BI",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2BL",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2BO",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2BU",
            "did:grantex:ag_81HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B12",
            "did:grantex:grnt_01HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "did:grantex:01HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "did:grantex:ag_",
            "did:grantex:",
            "did:web:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "DID:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1#key",
            " did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1",
            "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2Bé",
        ];
        for input in bad {
            assert_eq!(
                code(AgentDid::parse(input)),
                ErrorCode::InvalidDid,
                "{input}"
            );
        }
        assert_eq!(
            code(AgentDid::from_agent_id(
                "did:grantex:ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B1"
            )),
            ErrorCode::InvalidDid
        );
        assert_eq!(
            code(AgentDid::from_agent_id("ag_01HZX3N4Q9R8T7V6W5Y4Z3A2B")),
            ErrorCode::InvalidDid
        );
    }

    #[test]
    fn purposes_and_did_syntax() {
        for purpose in Purpose::ALL {
            assert_eq!(Purpose::from_name(purpose.name()), Some(purpose));
        }
        assert_eq!(Purpose::from_name("keyAgreement"), None);
        for did in [
            "did:web:grantex.dev",
            "did:key:z6Mk",
            "did:grantex:ag_1",
            "did:example:a:b%20c",
            "did:x1:y",
        ] {
            assert!(validate_did(did).is_ok(), "{did}");
        }
        for did in [
            "did:web:",
            "did:Web:x",
            "did::x",
            "did:web:x:",
            "did:web:x#f",
            "did:web:x/y",
            "did:web:%zz",
            "web:x",
        ] {
            assert!(validate_did(did).is_err(), "{did}");
        }
    }

    /// Runs every case of tests/vectors/did.json, the file the language bindings share.
    #[test]
    fn shared_vectors() {
        let file: Value =
            serde_json::from_str(include_str!("../../tests/vectors/did.json")).unwrap();
        assert_eq!(file["version"], 1);
        let cases = file["cases"].as_array().unwrap();
        assert!(cases.len() >= 20);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let kind = case["kind"].as_str().unwrap();
            let expected_error = case
                .get("error")
                .map(|e| ErrorCode::parse(e.as_str().unwrap()).unwrap());
            let outcome: Result<Value> = match kind {
                "did-web-url" => match (case.get("did"), case.get("url")) {
                    (Some(did), None) => did_web_to_url(did.as_str().unwrap()).map(Value::String),
                    (None, Some(url)) => did_web_from_url(url.as_str().unwrap()).map(Value::String),
                    _ => panic!("{name}: did-web-url needs exactly one of did, url"),
                },
                "did-key" => did_key_to_jwk(case["did"].as_str().unwrap())
                    .map(|j| Value::Object(public_jwk_members(&j))),
                "agent-did" => match (case.get("did"), case.get("agentId")) {
                    (Some(did), None) => {
                        AgentDid::parse(did.as_str().unwrap()).map(|d| Value::from(d.agent_id()))
                    }
                    (None, Some(id)) => AgentDid::from_agent_id(id.as_str().unwrap())
                        .map(|d| Value::from(d.as_str())),
                    _ => panic!("{name}: agent-did needs exactly one of did, agentId"),
                },
                "document-key" => {
                    let text = match (case.get("document"), case.get("documentJson")) {
                        (Some(doc), None) => doc.to_string(),
                        (None, Some(text)) => text.as_str().unwrap().to_owned(),
                        _ => panic!(
                            "{name}: document-key needs exactly one of document, documentJson"
                        ),
                    };
                    let purpose = case
                        .get("purpose")
                        .and_then(Value::as_str)
                        .map(|p| Purpose::from_name(p).unwrap());
                    DidDocument::from_json(&text, case["did"].as_str().unwrap())
                        .and_then(|doc| doc.key_for(case["reference"].as_str().unwrap(), purpose))
                        .map(|jwk| Value::Object(public_jwk_members(&jwk)))
                }
                other => panic!("{name}: unknown kind {other}"),
            };
            match (expected_error, outcome) {
                (Some(expected), Err(e)) => assert_eq!(e.code, expected, "{name}: {e}"),
                (Some(expected), Ok(v)) => panic!("{name}: expected {expected}, got {v}"),
                (None, Ok(v)) => assert_eq!(v, case["expected"], "{name}"),
                (None, Err(e)) => panic!("{name}: unexpected error {e}"),
            }
        }
    }
}
