//! The grant-token key ring (IMP-1, IMP-4): RSA-2048 RS256 keys whose `kid` is the RFC 7638 thumbprint,
//! persisted in the database, rotated with `grantex keys rotate`, and the signer producing the exact
//! PROTOCOL.md §3.3 byte layout.

use crate::store::{SigningKeyRow, Store, StoreError};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use grantex_core::jwk::KeySet;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Purpose of the keys that sign grant tokens (the only ones in `jwks.json`).
pub const GRANT_PURPOSE: &str = "grant";

/// How long a loaded key ring is reused before the database is read again (picks up `grantex keys rotate`
/// run by another process).
pub const RING_REFRESH: Duration = Duration::from_secs(10);

/// A key that could not be generated, read or used.
#[derive(Debug)]
pub enum KeyError {
    /// The key text is not a supported RSA private key.
    Invalid(String),
    /// Storage failed.
    Store(StoreError),
    /// No active key exists and none may be generated.
    Missing(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Invalid(m) | KeyError::Missing(m) => f.write_str(m),
            KeyError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KeyError {}

impl From<StoreError> for KeyError {
    fn from(e: StoreError) -> Self {
        KeyError::Store(e)
    }
}

fn invalid(message: impl Into<String>) -> KeyError {
    KeyError::Invalid(message.into())
}

/// An RSA private key with its public JWK and `kid`.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    public_jwk: Map<String, Value>,
    pkcs8_der: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh RSA-2048 key.
    pub fn generate() -> Result<SigningKey, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| invalid("RSA key generation failed"))?;
        SigningKey::from_pair(pair)
    }

    /// From PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = KeyPair::from_pkcs8(der)
            .map_err(|e| invalid(format!("not a usable RSA PKCS#8 private key: {e}")))?;
        SigningKey::from_pair(pair)
    }

    /// From a PEM `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block. Literal `\n` escapes (as in
    /// environment variables) are accepted.
    pub fn from_pem(text: &str) -> Result<SigningKey, KeyError> {
        let text = text.replace("\\n", "\n");
        let (label, der) = pem_decode(&text)?;
        let pair = match label.as_str() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(&der)
                .map_err(|e| invalid(format!("not a usable RSA PKCS#8 private key: {e}")))?,
            "RSA PRIVATE KEY" => KeyPair::from_der(&der)
                .map_err(|e| invalid(format!("not a usable RSA PKCS#1 private key: {e}")))?,
            other => {
                return Err(invalid(format!(
                    "unsupported PEM block {other:?}: expected PRIVATE KEY or RSA PRIVATE KEY"
                )));
            }
        };
        SigningKey::from_pair(pair)
    }

    /// From a private RSA JWK (`kty:"RSA"`, `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`).
    pub fn from_jwk(text: &str) -> Result<SigningKey, KeyError> {
        let map: Map<String, Value> =
            serde_json::from_str(text).map_err(|e| invalid(format!("invalid JWK JSON: {e}")))?;
        if map.get("kty").and_then(Value::as_str) != Some("RSA") {
            return Err(invalid("the JWK is not an RSA key (kty must be \"RSA\")"));
        }
        let field = |name: &str| -> Result<Vec<u8>, KeyError> {
            let text = map
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(format!("the private JWK has no {name:?} member")))?;
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| invalid(format!("JWK member {name:?} is not base64url")))
        };
        let components = KeyPairComponents {
            public_key: PublicKeyComponents {
                n: strip_leading_zeros(field("n")?),
                e: strip_leading_zeros(field("e")?),
            },
            d: field("d")?,
            p: field("p")?,
            q: field("q")?,
            dP: field("dp")?,
            dQ: field("dq")?,
            qInv: field("qi")?,
        };
        let pair = KeyPair::from_components(&components)
            .map_err(|e| invalid(format!("inconsistent RSA JWK: {e}")))?;
        SigningKey::from_pair(pair)
    }

    /// From a key file's text: PEM (PKCS#8 or PKCS#1) or a JWK (JSON object).
    pub fn from_key_text(text: &str) -> Result<SigningKey, KeyError> {
        if text.trim_start().starts_with('{') {
            SigningKey::from_jwk(text)
        } else {
            SigningKey::from_pem(text)
        }
    }

    fn from_pair(pair: KeyPair) -> Result<SigningKey, KeyError> {
        let bits = pair.public_modulus_len() * 8;
        if bits < 2048 {
            return Err(invalid(format!(
                "RSA modulus of {bits} bits; at least 2048 are required"
            )));
        }
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let thumbprint_input = serde_json::json!({"kty": "RSA", "n": n, "e": e}).to_string();
        let kid = grantex_core::jwk::thumbprint(&thumbprint_input)
            .map_err(|e| invalid(format!("cannot compute the key thumbprint: {e}")))?;
        let mut public_jwk = Map::new();
        public_jwk.insert("kty".into(), "RSA".into());
        public_jwk.insert("n".into(), n.into());
        public_jwk.insert("e".into(), e.into());
        public_jwk.insert("alg".into(), "RS256".into());
        public_jwk.insert("use".into(), "sig".into());
        public_jwk.insert("kid".into(), kid.clone().into());
        let pkcs8_der = pair
            .as_der()
            .map_err(|_| invalid("cannot encode the key as PKCS#8"))?
            .as_ref()
            .to_vec();
        Ok(SigningKey {
            kid,
            pair,
            public_jwk,
            pkcs8_der,
        })
    }

    /// The RFC 7638 thumbprint.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK `{kty, n, e, alg:"RS256", use:"sig", kid}`.
    pub fn public_jwk(&self) -> &Map<String, Value> {
        &self.public_jwk
    }

    /// The private key as PKCS#8 PEM.
    pub fn pkcs8_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.pkcs8_der)
    }

    /// RS256 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| invalid("RSA signing failed"))?;
        Ok(signature)
    }

    /// The row that stores this key as the `purpose` key, created now.
    pub fn to_row(&self, purpose: &str) -> SigningKeyRow {
        SigningKeyRow {
            kid: self.kid.clone(),
            alg: "RS256".into(),
            purpose: purpose.into(),
            state: "active".into(),
            private_key_pem: self.pkcs8_pem(),
            public_jwk: Value::Object(self.public_jwk.clone()).to_string(),
            created_at: crate::store::db_ms(crate::time::now_ms()),
            retire_after: None,
        }
    }
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros.min(bytes.len().saturating_sub(1)));
    bytes
}

fn pem_decode(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let begin = text
        .find("-----BEGIN ")
        .ok_or_else(|| invalid("no PEM block (-----BEGIN …-----) found"))?;
    let rest = &text[begin + 11..];
    let label_end = rest
        .find("-----")
        .ok_or_else(|| invalid("malformed PEM header"))?;
    let label = rest[..label_end].to_owned();
    let body_and_end = &rest[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let end = body_and_end
        .find(&end_marker)
        .ok_or_else(|| invalid(format!("PEM block has no {end_marker:?} line")))?;
    let body: String = body_and_end[..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD
        .decode(body)
        .map_err(|_| invalid("PEM body is not base64"))?;
    Ok((label, der))
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Grant-token claims in the PROTOCOL.md §3.3 order; optional claims are omitted when `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantClaims {
    /// Agent DID.
    pub agt: String,
    /// Developer id.
    pub dev: String,
    /// Scopes, verbatim and in order.
    pub scp: Vec<String>,
    /// Grant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grnt: Option<String>,
    /// Delegating agent's DID.
    #[serde(rename = "parentAgt", skip_serializing_if = "Option::is_none")]
    pub parent_agt: Option<String>,
    /// Parent grant id.
    #[serde(rename = "parentGrnt", skip_serializing_if = "Option::is_none")]
    pub parent_grnt: Option<String>,
    /// Delegation depth (omitted when 0).
    #[serde(rename = "delegationDepth", skip_serializing_if = "Option::is_none")]
    pub delegation_depth: Option<u32>,
    /// Remaining budget (refreshed tokens only); integral values are written without a fraction, as
    /// JavaScript does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bdg: Option<serde_json::Number>,
    /// Issuer URL.
    pub iss: String,
    /// Principal id.
    pub sub: String,
    /// Token id `tok_…`.
    pub jti: String,
    /// Issued at, seconds.
    pub iat: u64,
    /// Expiry, seconds.
    pub exp: u64,
    /// Audience (a string, never an array).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// A budget amount as the JSON number JavaScript would write (`42.5`, `100`).
pub fn budget_number(amount: f64) -> Option<serde_json::Number> {
    if amount.fract() == 0.0 && amount.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        return Some(serde_json::Number::from(amount as i64));
    }
    serde_json::Number::from_f64(amount)
}

/// Signs grant-token `claims` with `key`: header exactly `{"alg":"RS256","kid":…}`, payload keys in the
/// §3.3 order, no whitespace, base64url without padding.
pub fn sign_grant_token(key: &SigningKey, claims: &GrantClaims) -> Result<String, KeyError> {
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'static str,
        kid: &'a str,
    }
    let header = serde_json::to_vec(&Header {
        alg: "RS256",
        kid: key.kid(),
    })
    .map_err(|e| invalid(format!("header serialization: {e}")))?;
    let payload =
        serde_json::to_vec(claims).map_err(|e| invalid(format!("claims serialization: {e}")))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = key.sign(signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// A published key: its JWK and ring state.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    /// `kid`.
    pub kid: String,
    /// `active` or `retiring`.
    pub state: String,
    /// Public JWK.
    pub jwk: Value,
    /// Unix ms (retiring keys).
    pub retire_after: Option<i64>,
}

/// A snapshot of the grant key ring: the active key and every published key.
#[derive(Debug)]
pub struct KeyRing {
    active: Arc<SigningKey>,
    published: Vec<PublishedKey>,
    jwks_json: String,
    key_set: KeySet,
    etag: String,
}

impl KeyRing {
    fn from_rows(rows: &[SigningKeyRow]) -> Result<KeyRing, KeyError> {
        let active_row = rows
            .iter()
            .find(|r| r.state == "active")
            .ok_or_else(|| KeyError::Missing("no active signing key in the key ring".into()))?;
        let active = Arc::new(SigningKey::from_pem(&active_row.private_key_pem)?);
        if active.kid() != active_row.kid {
            return Err(KeyError::Store(StoreError::Corrupt(format!(
                "signing key {} has thumbprint {}",
                active_row.kid,
                active.kid()
            ))));
        }
        let mut published = Vec::with_capacity(rows.len());
        for row in rows {
            let jwk: Value = serde_json::from_str(&row.public_jwk).map_err(|e| {
                KeyError::Store(StoreError::Corrupt(format!(
                    "public_jwk of {}: {e}",
                    row.kid
                )))
            })?;
            published.push(PublishedKey {
                kid: row.kid.clone(),
                state: row.state.clone(),
                jwk,
                retire_after: row.retire_after,
            });
        }
        let keys: Vec<Value> = published.iter().map(|k| k.jwk.clone()).collect();
        let jwks_json = serde_json::json!({ "keys": keys }).to_string();
        let key_set = KeySet::from_jwks_json(&jwks_json).map_err(|e| {
            KeyError::Store(StoreError::Corrupt(format!("published key ring: {e}")))
        })?;
        let digest = crate::ids::sha256_hex(&jwks_json);
        let etag = format!("\"{}\"", &digest[..32]);
        Ok(KeyRing {
            active,
            published,
            jwks_json,
            key_set,
            etag,
        })
    }

    /// The key that signs new tokens.
    pub fn active(&self) -> &Arc<SigningKey> {
        &self.active
    }

    /// Active + retiring keys, active first.
    pub fn published(&self) -> &[PublishedKey] {
        &self.published
    }

    /// `{"keys":[…]}` as served.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }

    /// [`KeyRing::jwks_json`] parsed once, for verifying tokens this server issued.
    pub fn key_set(&self) -> &KeySet {
        &self.key_set
    }

    /// Strong ETag of [`KeyRing::jwks_json`].
    pub fn etag(&self) -> &str {
        &self.etag
    }
}

/// Loads, caches and refreshes the grant key ring.
#[derive(Debug, Clone)]
pub struct KeyService {
    store: Store,
    cache: Arc<RwLock<Option<CachedRing>>>,
    /// Held by the one task reloading a stale ring; the others keep using the stale ring meanwhile.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

/// A loaded ring and when it was loaded.
type CachedRing = (Instant, Arc<KeyRing>);

impl KeyService {
    /// A service over `store`; nothing is loaded yet.
    pub fn new(store: Store) -> KeyService {
        KeyService {
            store,
            cache: Arc::new(RwLock::new(None)),
            reloading: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn cached(&self) -> Option<CachedRing> {
        self.cache.read().ok().and_then(|guard| guard.clone())
    }

    /// The current ring, read from the database at most every [`RING_REFRESH`]. When it is stale, one
    /// caller reloads it while concurrent callers go on with the stale ring (at most one reload at a time);
    /// callers wait only when no ring was loaded yet.
    pub async fn ring(&self) -> Result<Arc<KeyRing>, KeyError> {
        let stale = match self.cached() {
            Some((loaded, ring)) if loaded.elapsed() < RING_REFRESH => return Ok(ring),
            Some((_, ring)) => Some(ring),
            None => None,
        };
        let _reloading = match (self.reloading.try_lock(), stale) {
            (Ok(guard), _) => guard,
            (Err(_), Some(ring)) => return Ok(ring),
            (Err(_), None) => self.reloading.lock().await,
        };
        // Another caller may have reloaded while this one waited.
        if let Some((loaded, ring)) = self.cached()
            && loaded.elapsed() < RING_REFRESH
        {
            return Ok(ring);
        }
        self.reload().await
    }

    /// Reads the ring from the database now.
    pub async fn reload(&self) -> Result<Arc<KeyRing>, KeyError> {
        let now = crate::store::db_ms(crate::time::now_ms());
        let rows = self.store.signing_keys(GRANT_PURPOSE, now).await?;
        let ring = Arc::new(KeyRing::from_rows(&rows)?);
        if let Ok(mut guard) = self.cache.write() {
            *guard = Some((Instant::now(), ring.clone()));
        }
        Ok(ring)
    }
}

/// What [`bootstrap`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrap {
    /// An active key already existed.
    Existing(String),
    /// The configured key file was imported and made active.
    Imported(String),
    /// A key was generated and persisted (dev mode).
    Generated(String),
}

/// Makes sure the ring has an active grant key at startup. A configured key (`--signing-key-file`) becomes
/// active if it is not already (the previous active key retires after `max_lifetime_ms`). Otherwise an
/// existing active key is used; failing that, dev mode generates one and production refuses to start.
pub async fn bootstrap(
    store: &Store,
    configured: Option<&SigningKey>,
    generate_if_missing: bool,
    max_lifetime_ms: u64,
) -> Result<Bootstrap, KeyError> {
    let retire_after = crate::store::db_ms(crate::time::now_ms().saturating_add(max_lifetime_ms));
    let current = store.active_signing_key(GRANT_PURPOSE).await?;
    if let Some(key) = configured {
        if current.as_ref().is_some_and(|c| c.kid == key.kid()) {
            return Ok(Bootstrap::Existing(key.kid().to_owned()));
        }
        store
            .activate_signing_key(&key.to_row(GRANT_PURPOSE), retire_after)
            .await?;
        return Ok(Bootstrap::Imported(key.kid().to_owned()));
    }
    if let Some(current) = current {
        return Ok(Bootstrap::Existing(current.kid));
    }
    if !generate_if_missing {
        return Err(KeyError::Missing(
            "no signing key: production mode needs --signing-key-file (PKCS#1/PKCS#8 PEM or JWK) or an \
             existing key ring (create one with `grantex keys rotate`); --dev generates one"
                .into(),
        ));
    }
    let key = SigningKey::generate()?;
    if let Err(e) = store
        .activate_signing_key(&key.to_row(GRANT_PURPOSE), retire_after)
        .await
    {
        // Another node may have generated the first key at the same moment (the one-active-key index
        // rejected ours): use that one.
        return match store.active_signing_key(GRANT_PURPOSE).await? {
            Some(current) => Ok(Bootstrap::Existing(current.kid)),
            None => Err(e.into()),
        };
    }
    Ok(Bootstrap::Generated(key.kid().to_owned()))
}

/// Rotation: a new active key; the previous active key becomes `retiring`, published until
/// `now + max_lifetime_ms` (no token it signed can outlive that), then retired. Returns the new key's `kid`.
pub async fn rotate(store: &Store, max_lifetime_ms: u64) -> Result<String, KeyError> {
    let key = SigningKey::generate()?;
    let retire_after = crate::store::db_ms(crate::time::now_ms().saturating_add(max_lifetime_ms));
    store
        .activate_signing_key(&key.to_row(GRANT_PURPOSE), retire_after)
        .await?;
    Ok(key.kid().to_owned())
}
