//! `grantex_core._native`: the pyo3 layer between Python and `grantex-core`.
//!
//! This crate converts types and maps errors, nothing else: every rule lives in `grantex_core::api` and the
//! modules it re-exports. Errors are raised as the exception classes of the pure-Python package
//! (`grantex_core.errors._from_code`, imported once, on the first error), so that importing
//! `_native` alone works too and errors still get their class by code.
//!
//! Verification releases the GIL while the signature and claims are checked, so verifying from several
//! threads runs in parallel.
//!
//! Credentials (SD-JWT presentations, VC-JWTs, status lists) use the core's option types from
//! `grantex_core::api` (`SdJwtVerifyOptionsJson`, `VcVerifyOptionsJson`, `StatusListJson`), so that defaults
//! and option errors are exactly those of every other binding; results are converted field by field. DID
//! functions call the core's JSON contract (`grantex_core::api::did_*_json`) and unwrap its answers.

use grantex_core::api::{
    self, KeyBindingJson, OneOrMany, SdJwtVerifyOptionsJson, StatusListJson, VcVerifyOptionsJson,
    VerifyOptionsJson,
};
use grantex_core::audit;
use grantex_core::error::{Error, ErrorCode};
use grantex_core::jwk::KeySet;
use grantex_core::scope::{self, Scope};
use grantex_core::status::{self as status_lists, StatusList};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

static ERROR_FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static VERIFIED_GRANT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static CHAIN_REPORT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static STATUS_REFERENCE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static VERIFIED_SD_JWT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static KEY_BINDING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static VERIFIED_CREDENTIAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static CREDENTIAL_STATUS_ENTRY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Maps a core error to the Python exception class for its code (`grantex_core.errors._from_code`).
fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    let raised = ERROR_FACTORY
        .import(py, "grantex_core.errors", "_from_code")
        .and_then(|factory| factory.call1((error.code.as_str(), error.message.as_str())));
    match raised {
        Ok(exception) => PyErr::from_value(exception),
        // The package is broken or missing: still fail, with the reason the lookup failed.
        Err(lookup_failure) => lookup_failure,
    }
}

fn check<T>(py: Python<'_>, result: grantex_core::Result<T>) -> PyResult<T> {
    result.map_err(|e| to_py_err(py, &e))
}

/// JSON text from `str`, UTF-8 `bytes` or a mapping (a JWKS or JWK as a dict: see `plain_json`, else
/// serialized by `json.dumps`).
fn json_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyString>() {
        return value.extract::<String>();
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec())
            .map_err(|_| PyTypeError::new_err("JSON bytes must be UTF-8"));
    }
    if value.is_instance_of::<PyDict>() || value.cast::<PyMapping>().is_ok() {
        if let Some(plain) = plain_json(value, 0) {
            return Ok(plain.to_string());
        }
        let dumps = JSON_DUMPS.import(value.py(), "json", "dumps")?;
        return dumps.call1((value,))?.extract::<String>();
    }
    Err(PyTypeError::new_err(format!(
        "expected JSON text (str or bytes) or a mapping, not {}",
        value.get_type().name()?
    )))
}

/// Nesting depth up to which `plain_json` converts (deeper data, e.g. a cycle, goes to `json.dumps`).
const MAX_PLAIN_JSON_DEPTH: usize = 64;

/// Plain Python data — exact `dict` with `str` keys, exact `list` and `tuple`, `str`, `int` (64 bits),
/// finite `float`, `bool`, `None` — as a JSON value without the `json` module (importing it costs ~10 ms:
/// it imports `re`). `None` for anything else (other types and subclasses of the containers, other keys,
/// non-finite floats, larger integers, deeper nesting), which `json.dumps` then serializes or rejects as
/// before.
fn plain_json(value: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > MAX_PLAIN_JSON_DEPTH {
        return None;
    }
    if value.is_none() {
        return Some(Value::Null);
    }
    if value.is_instance_of::<PyString>() {
        return value.extract::<String>().ok().map(Value::String);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Some(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i64>() {
            Ok(i) => Some(Value::from(i)),
            Err(_) => value.extract::<u64>().ok().map(Value::from),
        };
    }
    if value.is_instance_of::<PyFloat>() {
        let f = value.extract::<f64>().ok()?;
        return serde_json::Number::from_f64(f).map(Value::Number);
    }
    if let Ok(dict) = value.cast_exact::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in dict.iter() {
            if !k.is_instance_of::<PyString>() {
                return None;
            }
            map.insert(k.extract::<String>().ok()?, plain_json(&v, depth + 1)?);
        }
        return Some(Value::Object(map));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(list) = value.cast_exact::<PyList>() {
        list.iter().collect()
    } else if let Ok(tuple) = value.cast_exact::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return None;
    };
    items
        .iter()
        .map(|item| plain_json(item, depth + 1))
        .collect::<Option<Vec<Value>>>()
        .map(Value::Array)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The expected audience(s): one string or a sequence of strings (a bare `str` is never split).
#[derive(FromPyObject)]
enum AudienceArg {
    One(String),
    Many(Vec<String>),
}

/// A parsed JWKS with its keys handed to the crypto backend once; verifies grant tokens (thread-safe).
#[pyclass(frozen, module = "grantex_core", name = "Verifier")]
struct Verifier {
    keys: Arc<KeySet>,
}

#[pymethods]
impl Verifier {
    /// Parses a JWKS given as JSON text, UTF-8 bytes or a dict; raises `JwksError` (`INVALID_JWKS`).
    #[new]
    fn new(py: Python<'_>, jwks: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = json_text(jwks)?;
        let keys = check(py, KeySet::from_jwks_json(&text))?;
        Ok(Verifier {
            keys: Arc::new(keys),
        })
    }

    /// Verifies a grant token and returns a `VerifiedGrant`; raises a `GrantexTokenError` subclass.
    ///
    /// `issuer` (or `any_issuer=True`, or `jwks_uri`/`issuer_did` to derive it) is required. Without
    /// `audience`, a token carrying `aud` is rejected unless `any_audience=True`. `now` defaults to the
    /// system clock; `algorithms` to `("RS256",)`. With `status_cache`, a token carrying a `status` claim is
    /// also checked against the cached list (`REVOKED`; `STATUS_UNAVAILABLE` when it is missing or stale).
    #[pyo3(signature = (
        token, *, issuer = None, audience = None, required_scopes = None, clock_tolerance = 0, now = None,
        max_delegation_depth = None, any_audience = false, any_issuer = false, algorithms = None,
        jwks_uri = None, issuer_did = None, max_token_bytes = None, status_cache = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: PyBackedStr,
        issuer: Option<String>,
        audience: Option<AudienceArg>,
        required_scopes: Option<Vec<String>>,
        clock_tolerance: u64,
        now: Option<u64>,
        max_delegation_depth: Option<u32>,
        any_audience: bool,
        any_issuer: bool,
        algorithms: Option<Vec<String>>,
        jwks_uri: Option<String>,
        issuer_did: Option<String>,
        max_token_bytes: Option<usize>,
        status_cache: Option<Bound<'py, StatusListCachePy>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        #[allow(clippy::needless_update)]
        let raw = VerifyOptionsJson {
            now: Some(now.unwrap_or_else(unix_now)),
            issuer,
            any_issuer,
            jwks_uri,
            issuer_did,
            audience: audience.map(|a| match a {
                AudienceArg::One(s) => OneOrMany::One(s),
                AudienceArg::Many(list) => OneOrMany::Many(list),
            }),
            any_audience,
            required_scopes: required_scopes.unwrap_or_default(),
            clock_tolerance: Some(clock_tolerance),
            max_delegation_depth,
            algorithms,
            max_token_bytes,
            // Options the core adds later keep their defaults until this binding exposes them.
            ..VerifyOptionsJson::default()
        };
        let options = check(py, raw.into_options())?;
        let keys = Arc::clone(&self.keys);
        let token: &str = &token;
        let cache = status_cache.as_ref().map(Bound::get);
        let result = py.detach(move || match cache {
            None => api::verify_grant_token(&keys, token, &options),
            Some(cache) => grantex_core::grant::verify_grant_token_with_status(
                &keys,
                token,
                &options,
                &cache.read(),
            ),
        });
        let grant = check(py, result)?;
        verified_grant(py, grant)
    }

    /// A summary of every key: `kid`, `thumbprint`, `alg`, `unusable` (why it cannot verify, or `None`).
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for info in self.keys.keys() {
            let d = PyDict::new(py);
            d.set_item("kid", info.kid)?;
            d.set_item("thumbprint", info.thumbprint)?;
            d.set_item("alg", info.alg)?;
            d.set_item("unusable", info.unusable)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Number of keys, usable or not.
    fn __len__(&self) -> usize {
        self.keys.len()
    }

    /// `Verifier(<n key(s)>)`.
    fn __repr__(&self) -> String {
        format!("Verifier(<{} key(s)>)", self.keys.len())
    }
}

fn verified_grant(py: Python<'_>, g: api::VerifiedGrant) -> PyResult<Bound<'_, PyAny>> {
    let cls = VERIFIED_GRANT.import(py, "grantex_core._types", "VerifiedGrant")?;
    // Running the generated `__init__` (Python code) would cost more than the rest of this function; the
    // fields go straight into the new instance's `__dict__` instead. Same instance: `VerifiedGrant` has no
    // `__post_init__` and no slots, and the tests compare it with one built by `VerifiedGrant(**fields)`.
    let obj = cls.call_method1(intern!(py, "__new__"), (cls,))?;
    let kw = obj
        .getattr(intern!(py, "__dict__"))?
        .cast_into::<PyDict>()
        .map_err(PyErr::from)?;
    kw.set_item(intern!(py, "token_id"), g.token_id)?;
    kw.set_item(intern!(py, "grant_id"), g.grant_id)?;
    kw.set_item(intern!(py, "principal_id"), g.principal_id)?;
    kw.set_item(intern!(py, "agent_did"), g.agent_did)?;
    kw.set_item(intern!(py, "developer_id"), g.developer_id)?;
    kw.set_item(intern!(py, "scopes"), PyTuple::new(py, g.scopes)?)?;
    kw.set_item(intern!(py, "issued_at"), g.issued_at)?;
    kw.set_item(intern!(py, "expires_at"), g.expires_at)?;
    kw.set_item(intern!(py, "parent_agent_did"), g.parent_agent_did)?;
    kw.set_item(intern!(py, "parent_grant_id"), g.parent_grant_id)?;
    kw.set_item(intern!(py, "delegation_depth"), g.delegation_depth)?;
    kw.set_item(
        intern!(py, "audience"),
        g.audience.map(|a| PyTuple::new(py, a)).transpose()?,
    )?;
    kw.set_item(intern!(py, "issuer"), g.issuer)?;
    kw.set_item(intern!(py, "budget_remaining"), g.budget_remaining)?;
    let status = match g.status {
        None => None,
        Some(r) => Some(
            STATUS_REFERENCE
                .import(py, "grantex_core._types", "StatusReference")?
                .call1((r.uri, r.idx))?,
        ),
    };
    kw.set_item(intern!(py, "status"), status)?;
    Ok(obj)
}

/// `(jwks_uri, issuer)` derived as the upstream SDKs do (PROTOCOL.md §4.2).
#[pyfunction]
#[pyo3(signature = (jwks_uri = None, issuer = None, issuer_did = None))]
fn resolve_issuer(
    py: Python<'_>,
    jwks_uri: Option<String>,
    issuer: Option<String>,
    issuer_did: Option<String>,
) -> PyResult<(String, String)> {
    let r = check(
        py,
        api::resolve_issuer(
            jwks_uri.as_deref(),
            issuer.as_deref(),
            issuer_did.as_deref(),
        ),
    )?;
    Ok((r.jwks_uri, r.issuer))
}

/// RFC 7638 thumbprint of a JWK given as JSON text, bytes or a dict.
#[pyfunction]
fn jwk_thumbprint(py: Python<'_>, jwk: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = json_text(jwk)?;
    check(py, grantex_core::jwk::thumbprint(&text))
}

/// Verifies an audit hash chain given as the JSON text of an array of wire entries.
#[pyfunction]
fn verify_chain<'py>(
    py: Python<'py>,
    entries_json: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = json_text_strict(entries_json)?;
    let report = check(py, py.detach(move || audit::verify_chain_json(&text)))?;
    let kw = PyDict::new(py);
    kw.set_item("valid", report.valid)?;
    kw.set_item("checked_entries", report.checked_entries)?;
    kw.set_item("first_broken_at", report.first_broken_at)?;
    kw.set_item("first_broken_index", report.first_broken_index)?;
    let reason = report.reason.map(|r| match r {
        audit::BreakReason::Link => "link",
        audit::BreakReason::Content => "content",
    });
    kw.set_item("reason", reason)?;
    let cls = CHAIN_REPORT.import(py, "grantex_core._types", "ChainReport")?;
    cls.call((), Some(&kw))
}

/// The hash a new audit entry (JSON text of one wire entry) must carry (PROTOCOL.md §8.3).
#[pyfunction]
fn audit_entry_hash(py: Python<'_>, entry_json: &Bound<'_, PyAny>) -> PyResult<String> {
    let text = json_text_strict(entry_json)?;
    let entry = check(py, audit::AuditEntry::from_json(&text))?;
    Ok(entry.computed_hash())
}

/// Audit data must be given as the JSON text it was received as (`str` or UTF-8 `bytes`): a Python dict
/// has already lost the number spellings and duplicate members the hash depends on.
fn json_text_strict(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyString>() || value.is_instance_of::<PyBytes>() {
        json_text(value)
    } else {
        Err(PyTypeError::new_err(
            "audit entries must be given as JSON text (str or bytes), exactly as received",
        ))
    }
}

/// True when the granted scope covers the required one (constraint-aware).
#[pyfunction]
fn satisfies(granted: PyBackedStr, required: PyBackedStr) -> bool {
    scope::satisfies(&granted, &required)
}

/// True when `child` grants no more than `parent`.
#[pyfunction]
fn narrows(child: PyBackedStr, parent: PyBackedStr) -> bool {
    scope::narrows(&child, &parent)
}

/// `(resource, action, constraint or None)` of a scope string; raises `InvalidScopeError`.
#[pyfunction]
fn parse_scope(py: Python<'_>, scope: PyBackedStr) -> PyResult<(String, String, Option<String>)> {
    let parsed = check(py, Scope::parse(&scope))?;
    Ok((
        parsed.resource().to_owned(),
        parsed.action().to_owned(),
        parsed.constraint().map(ToString::to_string),
    ))
}

/// Every stable error code of the core, in table order (index + 1 is the C status number).
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------------------
// Credentials: SD-JWT presentations, VC-JWTs, status lists.
// ---------------------------------------------------------------------------------------------------------

/// A `serde_json::Value` as plain Python data (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

fn member<'a>(value: &'a Value, name: &str) -> &'a Value {
    value.get(name).unwrap_or(&Value::Null)
}

fn internal(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Internal, message)
}

/// The key set of a `Verifier`, or one parsed from a JWKS (JSON text, UTF-8 bytes or a mapping).
fn key_set(jwks: &Bound<'_, PyAny>) -> PyResult<std::result::Result<Arc<KeySet>, Error>> {
    if let Ok(verifier) = jwks.cast::<Verifier>() {
        return Ok(Ok(Arc::clone(&verifier.get().keys)));
    }
    let text = json_text(jwks)?;
    Ok(KeySet::from_jwks_json(&text).map(Arc::new))
}

/// A status list as the caller handed it over: a decoded `StatusList`, a W3C `encodedList` string, a
/// `{"encodedList", "statusSize"?}` mapping or an IETF `status_list` mapping `{"bits", "lst", …}`.
fn decode_list(list: &Bound<'_, PyAny>) -> PyResult<std::result::Result<StatusList, Error>> {
    if let Ok(decoded) = list.cast::<StatusListPy>() {
        return Ok(Ok(decoded.get().list.clone()));
    }
    if list.is_instance_of::<PyString>() {
        let encoded: String = list.extract()?;
        return Ok(StatusListJson(Value::String(encoded)).decode());
    }
    if list.is_instance_of::<PyDict>() || list.cast::<PyMapping>().is_ok() {
        // The core's JSON form decides the kind (`encodedList` → W3C, else an IETF `status_list`).
        let value: Value = serde_json::from_str(&json_text(list)?)
            .map_err(|e| PyTypeError::new_err(format!("the status list is not JSON data: {e}")))?;
        return Ok(StatusListJson(value).decode());
    }
    Err(PyTypeError::new_err(format!(
        "a status list is a StatusList, an encodedList string or a mapping, not {}",
        list.get_type().name()?
    )))
}

/// A decoded status list (W3C Bitstring / StatusList2021 or IETF Token Status List).
#[pyclass(frozen, module = "grantex_core", name = "StatusList")]
struct StatusListPy {
    list: StatusList,
}

#[pymethods]
impl StatusListPy {
    /// Decodes `list` (an `encodedList` string, `{"encodedList", "statusSize"?}` or `{"bits", "lst"}`) with
    /// the default bounds; raises `StatusError` (`INVALID_STATUS_LIST`).
    #[new]
    fn new(py: Python<'_>, list: &Bound<'_, PyAny>) -> PyResult<Self> {
        let list = check(py, decode_list(list)?)?;
        Ok(StatusListPy { list })
    }

    /// The status of entry `index` (0 = valid); raises `StatusError` when the index is outside the list.
    fn get(&self, py: Python<'_>, index: u64) -> PyResult<u8> {
        check(py, self.list.get_status(index))
    }

    /// `"bitstring"` or `"token"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.list {
            StatusList::Bitstring(_) => "bitstring",
            StatusList::Token(_) => "token",
        }
    }

    /// Bits per entry.
    #[getter]
    fn bits(&self) -> u8 {
        match &self.list {
            StatusList::Bitstring(l) => l.status_size(),
            StatusList::Token(l) => l.bits(),
        }
    }

    /// `statusPurpose` values of a W3C list credential (empty for a bare list or an IETF list).
    #[getter]
    fn purposes(&self) -> Vec<String> {
        match &self.list {
            StatusList::Bitstring(l) => l.purposes().to_vec(),
            StatusList::Token(_) => Vec::new(),
        }
    }

    /// Number of entries.
    fn __len__(&self) -> usize {
        self.list.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "StatusList(<{} {} entries of {} bit(s)>)",
            self.list.len(),
            self.kind(),
            self.bits()
        )
    }
}

/// A verified IETF Status List Token (`statuslist+jwt`): `subject`, times and the decoded list.
#[pyclass(frozen, module = "grantex_core", name = "StatusListToken")]
struct StatusListTokenPy {
    token: status_lists::StatusListToken,
}

#[pymethods]
impl StatusListTokenPy {
    /// `sub`: the URI this token is the status list of.
    #[getter]
    fn subject(&self) -> &str {
        &self.token.subject
    }

    /// `iat`, Unix seconds.
    #[getter]
    fn issued_at(&self) -> i64 {
        self.token.issued_at
    }

    /// `exp`, Unix seconds, if stated.
    #[getter]
    fn expires_at(&self) -> Option<i64> {
        self.token.expires_at
    }

    /// `ttl` in seconds, if stated.
    #[getter]
    fn ttl(&self) -> Option<u64> {
        self.token.ttl
    }

    /// The decoded list.
    #[getter]
    fn list(&self) -> StatusListPy {
        StatusListPy {
            list: StatusList::Token(self.token.list.clone()),
        }
    }

    /// The status of entry `index`.
    fn get(&self, py: Python<'_>, index: u64) -> PyResult<u8> {
        check(py, self.token.list.get(index))
    }

    fn __repr__(&self) -> String {
        format!("StatusListToken(subject={:?})", self.token.subject)
    }
}

/// Verified status lists keyed by URI with their fetch time (`grantex_core::status::StatusListCache`):
/// fails closed (`STATUS_UNAVAILABLE`) on a missing or stale list. Thread-safe.
#[pyclass(frozen, module = "grantex_core", name = "StatusListCache")]
struct StatusListCachePy {
    cache: RwLock<status_lists::StatusListCache>,
}

impl StatusListCachePy {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, status_lists::StatusListCache> {
        // A panic while holding the lock cannot leave the cache half-updated in a way that matters here.
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, status_lists::StatusListCache> {
        self.cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn unix_now_i64(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| i64::try_from(unix_now()).unwrap_or(i64::MAX))
}

#[pymethods]
impl StatusListCachePy {
    /// An empty cache: lists older than `max_age_seconds` are refused; at most `max_entries` lists and
    /// `max_total_bytes` uncompressed bytes are kept (oldest fetch evicted first).
    #[new]
    #[pyo3(signature = (*, max_age_seconds = None, max_entries = None, max_total_bytes = None))]
    fn new(
        max_age_seconds: Option<u64>,
        max_entries: Option<usize>,
        max_total_bytes: Option<usize>,
    ) -> Self {
        let mut config = status_lists::CacheConfig::default();
        if let Some(v) = max_age_seconds {
            config.max_age_seconds = v;
        }
        if let Some(v) = max_entries {
            config.max_entries = v;
        }
        if let Some(v) = max_total_bytes {
            config.max_total_bytes = v;
        }
        StatusListCachePy {
            cache: RwLock::new(status_lists::StatusListCache::with_config(config)),
        }
    }

    /// Stores a list the caller fetched from `uri` and verified, fetched at `fetched_at` (Unix seconds,
    /// default now). Returns False when nothing was stored (see the core's `StatusListCache::insert`).
    #[pyo3(signature = (uri, list, fetched_at = None))]
    fn insert(
        &self,
        py: Python<'_>,
        uri: String,
        list: &Bound<'_, PyAny>,
        fetched_at: Option<i64>,
    ) -> PyResult<bool> {
        let list = check(py, decode_list(list)?)?;
        let fetched_at = unix_now_i64(fetched_at);
        Ok(py.detach(move || self.write().insert(uri, list, fetched_at)))
    }

    /// Stores a verified Status List Token under its `subject`, honouring its `exp` and `ttl`.
    #[pyo3(signature = (token, fetched_at = None))]
    fn insert_token(
        &self,
        py: Python<'_>,
        token: &Bound<'_, StatusListTokenPy>,
        fetched_at: Option<i64>,
    ) -> bool {
        let token = token.get().token.clone();
        let fetched_at = unix_now_i64(fetched_at);
        py.detach(move || self.write().insert_token(token, fetched_at))
    }

    /// The status of entry `index` of the list cached for `uri` at `now` (default now); raises
    /// `StatusError` (`STATUS_UNAVAILABLE` when missing or stale, `INVALID_STATUS_LIST` out of range).
    #[pyo3(signature = (uri, index, now = None))]
    fn lookup(&self, py: Python<'_>, uri: &str, index: u64, now: Option<i64>) -> PyResult<u8> {
        let now = unix_now_i64(now);
        check(py, self.read().lookup(uri, index, now))
    }

    /// Forgets the list cached for `uri`; True when there was one.
    fn remove(&self, uri: &str) -> bool {
        self.write().remove(uri)
    }

    /// Drops every list that is stale at `now` (default now).
    #[pyo3(signature = (now = None))]
    fn purge_stale(&self, now: Option<i64>) {
        self.write().purge_stale(unix_now_i64(now));
    }

    /// Forgets every list.
    fn clear(&self) {
        self.write().clear();
    }

    /// Summed uncompressed size of the cached lists, in bytes.
    #[getter]
    fn total_bytes(&self) -> usize {
        self.read().total_bytes()
    }

    /// Number of cached lists.
    fn __len__(&self) -> usize {
        self.read().len()
    }

    fn __repr__(&self) -> String {
        format!("StatusListCache(<{} list(s)>)", self.read().len())
    }
}

/// Verifies an SD-JWT presentation (RFC 9901, Grantex profile) and returns a `VerifiedSdJwt`; raises a
/// `GrantexTokenError` subclass (`CredentialError` for disclosure and key-binding failures).
///
/// Key binding is required exactly when `nonce` and `audience` are given (both, or neither).
#[pyfunction]
#[pyo3(signature = (
    presentation, jwks, *, issuer = None, any_issuer = false, nonce = None, audience = None, now = None,
    clock_tolerance = 0, algorithms = None, types = None, require_exp = true, kb_algorithms = None,
    kb_max_age = None, max_presentation_bytes = None, max_disclosures = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_sd_jwt<'py>(
    py: Python<'py>,
    presentation: PyBackedStr,
    jwks: &Bound<'py, PyAny>,
    issuer: Option<String>,
    any_issuer: bool,
    nonce: Option<String>,
    audience: Option<String>,
    now: Option<u64>,
    clock_tolerance: u64,
    algorithms: Option<Vec<String>>,
    types: Option<Vec<String>>,
    require_exp: bool,
    kb_algorithms: Option<Vec<String>>,
    kb_max_age: Option<u64>,
    max_presentation_bytes: Option<usize>,
    max_disclosures: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let key_binding = match (nonce, audience) {
        (None, None) => None,
        (Some(nonce), Some(audience)) => Some(KeyBindingJson { nonce, audience }),
        _ => {
            return Err(to_py_err(
                py,
                &Error::new(
                    ErrorCode::InvalidOptions,
                    "key binding needs both \"nonce\" and \"audience\"",
                ),
            ));
        }
    };
    #[allow(clippy::needless_update)]
    let raw = SdJwtVerifyOptionsJson {
        now: Some(now.unwrap_or_else(unix_now)),
        issuer,
        any_issuer,
        clock_tolerance: Some(clock_tolerance),
        algorithms,
        types,
        require_exp: Some(require_exp),
        key_binding,
        kb_algorithms,
        kb_max_age,
        max_presentation_bytes,
        max_disclosures,
        ..SdJwtVerifyOptionsJson::default()
    };
    let options = check(py, raw.into_options())?;
    let keys = check(py, key_set(jwks)?)?;
    let presentation: &str = &presentation;
    let verified = check(
        py,
        py.detach(move || grantex_core::sdjwt::verify_presentation(&keys, presentation, &options)),
    )?;
    let json = serde_json::to_value(api::VerifiedSdJwtJson::from(verified))
        .map_err(|e| to_py_err(py, &internal(e.to_string())))?;
    let kw = PyDict::new(py);
    kw.set_item("header", to_py(py, member(&json, "header"))?)?;
    kw.set_item("claims", to_py(py, member(&json, "claims"))?)?;
    kw.set_item(
        "disclosed_claims",
        to_py(py, member(&json, "disclosedClaims"))?,
    )?;
    kw.set_item("hash_alg", to_py(py, member(&json, "hashAlg"))?)?;
    kw.set_item("key_bound", to_py(py, member(&json, "keyBound"))?)?;
    let key_binding = match json.get("keyBinding") {
        None | Some(Value::Null) => None,
        Some(kb) => Some(
            KEY_BINDING
                .import(py, "grantex_core._credentials", "KeyBinding")?
                .call1((
                    to_py(py, member(kb, "nonce"))?,
                    to_py(py, member(kb, "audience"))?,
                    to_py(py, member(kb, "issuedAt"))?,
                ))?,
        ),
    };
    kw.set_item("key_binding", key_binding)?;
    VERIFIED_SD_JWT
        .import(py, "grantex_core._credentials", "VerifiedSdJwt")?
        .call((), Some(&kw))
}

/// A claim path: dotted text (`"credentialSubject.scopes"`) or explicit segments.
#[derive(FromPyObject)]
enum ClaimPathArg {
    Dotted(String),
    Segments(Vec<String>),
}

/// Builds a holder presentation (no key binding) of `sd_jwt` disclosing the claims at `disclose`.
#[pyfunction]
fn present_sd_jwt(
    py: Python<'_>,
    sd_jwt: PyBackedStr,
    disclose: Vec<ClaimPathArg>,
) -> PyResult<String> {
    let paths: Vec<grantex_core::sdjwt::ClaimPath> = disclose
        .into_iter()
        .map(|p| match p {
            ClaimPathArg::Dotted(text) => api::ClaimPathJson::Dotted(text).into(),
            ClaimPathArg::Segments(segments) => api::ClaimPathJson::Segments(segments).into(),
        })
        .collect();
    check(py, grantex_core::sdjwt::present(&sd_jwt, &paths))
}

/// Where `verify_credential` reads `credentialStatus` lists from.
enum StatusArg<'py> {
    None,
    Lists(HashMap<String, StatusList>),
    Cache(Bound<'py, StatusListCachePy>),
}

#[allow(clippy::too_many_arguments)]
fn credential_result<'py>(
    py: Python<'py>,
    vc_jwt: &str,
    jwks: &Bound<'py, PyAny>,
    trusted_issuers: Vec<String>,
    status_lists: Option<&Bound<'py, PyAny>>,
    status_cache: Option<Bound<'py, StatusListCachePy>>,
    now: Option<u64>,
    clock_tolerance: u64,
    expected_types: Option<Vec<String>>,
    algorithms: Option<Vec<String>>,
    status_required: bool,
    status_url_prefix: Option<String>,
    require_expiry: bool,
) -> PyResult<grantex_core::Result<grantex_core::vc::VerifiedCredential>> {
    let status = match (status_lists, status_cache) {
        (Some(_), Some(_)) => {
            return Ok(Err(Error::new(
                ErrorCode::InvalidOptions,
                "give either \"status_lists\" or \"status_cache\", not both",
            )));
        }
        (Some(lists), None) => {
            let mapping = lists.cast::<PyMapping>().map_err(|_| {
                PyTypeError::new_err("status_lists must be a mapping of URL to status list")
            })?;
            let mut decoded = HashMap::new();
            for item in mapping.items()?.iter() {
                let (uri, list): (String, Bound<'_, PyAny>) = item.extract()?;
                match decode_list(&list)? {
                    Ok(list) => decoded.insert(uri, list),
                    Err(e) => return Ok(Err(e)),
                };
            }
            if decoded.is_empty() {
                StatusArg::None
            } else {
                StatusArg::Lists(decoded)
            }
        }
        (None, Some(cache)) => StatusArg::Cache(cache),
        (None, None) => StatusArg::None,
    };
    let raw = VcVerifyOptionsJson {
        now: Some(now.unwrap_or_else(unix_now)),
        trusted_issuers,
        expected_types,
        algorithms,
        clock_tolerance: Some(clock_tolerance),
        status_required: Some(status_required),
        status_url_prefix,
        require_expiry: Some(require_expiry),
    };
    let options = match raw.into_options() {
        Ok(options) => options,
        Err(e) => return Ok(Err(e)),
    };
    let keys = match key_set(jwks)? {
        Ok(keys) => keys,
        Err(e) => return Ok(Err(e)),
    };
    let cache = match &status {
        StatusArg::Cache(cache) => Some(cache.get()),
        _ => None,
    };
    let lists = match &status {
        StatusArg::Lists(lists) => Some(lists),
        _ => None,
    };
    Ok(py.detach(move || {
        use grantex_core::vc::{StatusSource, verify_credential};
        match (lists, cache) {
            (Some(lists), _) => {
                verify_credential(&keys, vc_jwt, &options, StatusSource::Lists(lists))
            }
            (None, Some(cache)) => {
                verify_credential(&keys, vc_jwt, &options, StatusSource::Cache(&cache.read()))
            }
            (None, None) => verify_credential(&keys, vc_jwt, &options, StatusSource::None),
        }
    }))
}

/// Verifies a VC-JWT credential and returns a `VerifiedCredential`; raises a `GrantexTokenError` subclass.
///
/// `credentialStatus` entries are looked up in `status_lists` (statusListCredential URL → list) or in
/// `status_cache`; with neither, a credential with a status entry is `STATUS_UNAVAILABLE` unless
/// `status_required=False`.
#[pyfunction]
#[pyo3(signature = (
    vc_jwt, jwks, *, trusted_issuers, status_lists = None, status_cache = None, now = None,
    clock_tolerance = 0, expected_types = None, algorithms = None, status_required = true,
    status_url_prefix = None, require_expiry = true
))]
#[allow(clippy::too_many_arguments)]
fn verify_credential<'py>(
    py: Python<'py>,
    vc_jwt: PyBackedStr,
    jwks: &Bound<'py, PyAny>,
    trusted_issuers: Vec<String>,
    status_lists: Option<&Bound<'py, PyAny>>,
    status_cache: Option<Bound<'py, StatusListCachePy>>,
    now: Option<u64>,
    clock_tolerance: u64,
    expected_types: Option<Vec<String>>,
    algorithms: Option<Vec<String>>,
    status_required: bool,
    status_url_prefix: Option<String>,
    require_expiry: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let result = credential_result(
        py,
        &vc_jwt,
        jwks,
        trusted_issuers,
        status_lists,
        status_cache,
        now,
        clock_tolerance,
        expected_types,
        algorithms,
        status_required,
        status_url_prefix,
        require_expiry,
    )?;
    let vc = check(py, result)?;
    let json = serde_json::to_value(&vc).map_err(|e| to_py_err(py, &internal(e.to_string())))?;
    let kw = PyDict::new(py);
    for (camel, snake) in [
        ("id", "id"),
        ("issuer", "issuer"),
        ("subjectId", "subject_id"),
        ("subject", "subject"),
        ("credentialType", "credential_type"),
        ("dataModel", "data_model"),
        ("issuedAt", "issued_at"),
        ("expiresAt", "expires_at"),
        ("payload", "payload"),
    ] {
        kw.set_item(snake, to_py(py, member(&json, camel))?)?;
    }
    kw.set_item("types", PyTuple::new(py, &vc.types)?)?;
    let entry_class =
        CREDENTIAL_STATUS_ENTRY.import(py, "grantex_core._credentials", "CredentialStatusEntry")?;
    let mut entries = Vec::with_capacity(vc.status_entries.len());
    for e in &vc.status_entries {
        entries.push(entry_class.call1((
            e.status_list_credential.as_str(),
            e.status_list_index,
            e.status_purpose.as_str(),
            e.status_size,
            e.checked,
        ))?);
    }
    kw.set_item("status_entries", PyTuple::new(py, entries)?)?;
    VERIFIED_CREDENTIAL
        .import(py, "grantex_core._credentials", "VerifiedCredential")?
        .call((), Some(&kw))
}

/// As `verify_credential`, answering in upstream's `POST /v1/credentials/verify` shape as a dict
/// (`{"valid": True, "vcId", "payload", …}` or `{"valid": False, "error", "code", "revoked", …}`): a failed
/// verification is `valid: False`, never an exception.
#[pyfunction]
#[pyo3(signature = (
    vc_jwt, jwks, *, trusted_issuers, status_lists = None, status_cache = None, now = None,
    clock_tolerance = 0, expected_types = None, algorithms = None, status_required = true,
    status_url_prefix = None, require_expiry = true
))]
#[allow(clippy::too_many_arguments)]
fn verify_credential_upstream<'py>(
    py: Python<'py>,
    vc_jwt: PyBackedStr,
    jwks: &Bound<'py, PyAny>,
    trusted_issuers: Vec<String>,
    status_lists: Option<&Bound<'py, PyAny>>,
    status_cache: Option<Bound<'py, StatusListCachePy>>,
    now: Option<u64>,
    clock_tolerance: u64,
    expected_types: Option<Vec<String>>,
    algorithms: Option<Vec<String>>,
    status_required: bool,
    status_url_prefix: Option<String>,
    require_expiry: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let result = credential_result(
        py,
        &vc_jwt,
        jwks,
        trusted_issuers,
        status_lists,
        status_cache,
        now,
        clock_tolerance,
        expected_types,
        algorithms,
        status_required,
        status_url_prefix,
        require_expiry,
    )?;
    to_py(py, &grantex_core::vc::upstream_verify_response(&result))
}

/// Verifies the VC-JWT form of a `StatusList2021Credential` / `BitstringStatusListCredential` and returns its
/// decoded `StatusList`. `expected_id` is the URL the list was fetched from (its id must match).
#[pyfunction]
#[pyo3(signature = (
    jwt, jwks, *, trusted_issuers, expected_id = None, now = None, clock_tolerance = 0, algorithms = None
))]
#[allow(clippy::too_many_arguments)]
fn verify_status_list_credential(
    py: Python<'_>,
    jwt: PyBackedStr,
    jwks: &Bound<'_, PyAny>,
    trusted_issuers: Vec<String>,
    expected_id: Option<String>,
    now: Option<u64>,
    clock_tolerance: u64,
    algorithms: Option<Vec<String>>,
) -> PyResult<StatusListPy> {
    // The credential options' algorithm parsing (same names, same INVALID_OPTIONS errors).
    let parsed = check(
        py,
        VcVerifyOptionsJson {
            now: Some(0),
            algorithms,
            ..VcVerifyOptionsJson::default()
        }
        .into_options(),
    )?;
    let mut options = grantex_core::vc::StatusListVerifyOptions::new(
        trusted_issuers,
        now.unwrap_or_else(unix_now),
    );
    options.algorithms = parsed.algorithms;
    options.leeway = clock_tolerance;
    options.expected_id = expected_id;
    let keys = check(py, key_set(jwks)?)?;
    let jwt: &str = &jwt;
    let list = check(
        py,
        py.detach(move || grantex_core::vc::verify_status_list_credential(&keys, jwt, &options)),
    )?;
    Ok(StatusListPy {
        list: StatusList::Bitstring(list),
    })
}

/// Verifies an IETF Status List Token (`typ: statuslist+jwt`) signed by a key of `jwks` (the list issuer's
/// keys: the key set is the trust decision) and returns it; check that `subject` is the URI you resolved.
#[pyfunction]
#[pyo3(signature = (jwt, jwks, *, now = None))]
fn verify_status_list_token(
    py: Python<'_>,
    jwt: PyBackedStr,
    jwks: &Bound<'_, PyAny>,
    now: Option<u64>,
) -> PyResult<StatusListTokenPy> {
    let keys = check(py, key_set(jwks)?)?;
    let now = now.unwrap_or_else(unix_now);
    let jwt: &str = &jwt;
    let token = check(
        py,
        py.detach(move || grantex_core::vc::verify_status_list_token(&keys, jwt, now)),
    )?;
    Ok(StatusListTokenPy { token })
}

/// The status of entry `index` of a status list (see `StatusList`); 0 is valid, what else means is the
/// caller's (W3C revocation/suspension bit, IETF 1 = invalid, 2 = suspended).
#[pyfunction]
fn status_list_get(py: Python<'_>, list: &Bound<'_, PyAny>, index: u64) -> PyResult<u8> {
    let list = check(py, decode_list(list)?)?;
    check(py, list.get_status(index))
}

// ---------------------------------------------------------------------------------------------------------
// DIDs: the core's JSON functions (`grantex_core::api::did_*_json`), answers unwrapped into Python data.
// ---------------------------------------------------------------------------------------------------------

/// The value of a JSON answer of `grantex_core::api` as Python data, or the exception for its error code.
fn answer<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    let parsed: api::Answer<Value> = serde_json::from_str(json).map_err(|e| {
        to_py_err(
            py,
            &internal(format!("unreadable answer from the core: {e}")),
        )
    })?;
    let value = check(py, parsed.into_result())?;
    to_py(py, &value)
}

/// The URL of a `did:web` DID's document (`did:web:example.com` →
/// `https://example.com/.well-known/did.json`); raises `InvalidDidError`.
#[pyfunction]
fn did_web_to_url<'py>(py: Python<'py>, did: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
    answer(py, &api::did_web_to_url_json(&did))
}

/// The `did:web` DID of a base URL (`https://localhost:3001` → `did:web:localhost%3A3001`); raises
/// `InvalidDidError`.
#[pyfunction]
fn did_web_from_url<'py>(py: Python<'py>, url: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
    answer(py, &api::did_web_from_url_json(&url))
}

/// The public JWK (a dict: `kty`, `crv`, `x`, and `y` for P-256) of an Ed25519 or P-256 `did:key`;
/// raises `InvalidDidError`.
#[pyfunction]
fn did_key_to_jwk<'py>(py: Python<'py>, did: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
    answer(py, &api::did_key_to_jwk_json(&did))
}

/// The agent id of an agent DID (`did:grantex:ag_<ULID>` → `ag_<ULID>`); raises `InvalidDidError`.
#[pyfunction]
fn agent_did_to_id<'py>(py: Python<'py>, did: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
    answer(py, &api::agent_did_to_id_json(&did))
}

/// The agent DID of an agent id (`ag_<ULID>` → `did:grantex:ag_<ULID>`); raises `InvalidDidError`.
#[pyfunction]
fn agent_id_to_did<'py>(py: Python<'py>, agent_id: PyBackedStr) -> PyResult<Bound<'py, PyAny>> {
    answer(py, &api::agent_id_to_did_json(&agent_id))
}

/// The public JWK (a dict) of the verification method `reference` (DID URL, `#fragment` or bare key id) in
/// `document`, the DID document resolved for `did` (JSON text, UTF-8 bytes or a dict), authorized for
/// `purpose` (`"assertionMethod"`, `"authentication"`, …; `None` = any). Raises `InvalidDidError`,
/// `TokenSignatureError` (`INVALID_KEY`: the method's key cannot be used) or `InvalidInputError` (unknown
/// purpose).
#[pyfunction]
#[pyo3(signature = (did, document, reference, purpose = None))]
fn did_document_key<'py>(
    py: Python<'py>,
    did: PyBackedStr,
    document: &Bound<'py, PyAny>,
    reference: PyBackedStr,
    purpose: Option<PyBackedStr>,
) -> PyResult<Bound<'py, PyAny>> {
    // The document travels as JSON text (a dict is serialized first), so that the core applies its size
    // limit and duplicate-member check to every document.
    let request = serde_json::json!({
        "did": &*did,
        "document": json_text(document)?,
        "reference": &*reference,
        "purpose": purpose.as_deref(),
    });
    answer(py, &api::did_document_key_json(&request.to_string()))
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Verifier>()?;
    m.add_function(wrap_pyfunction!(resolve_issuer, m)?)?;
    m.add_function(wrap_pyfunction!(jwk_thumbprint, m)?)?;
    m.add_function(wrap_pyfunction!(verify_chain, m)?)?;
    m.add_function(wrap_pyfunction!(audit_entry_hash, m)?)?;
    m.add_function(wrap_pyfunction!(satisfies, m)?)?;
    m.add_function(wrap_pyfunction!(narrows, m)?)?;
    m.add_function(wrap_pyfunction!(parse_scope, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_class::<StatusListPy>()?;
    m.add_class::<StatusListTokenPy>()?;
    m.add_class::<StatusListCachePy>()?;
    m.add_function(wrap_pyfunction!(verify_sd_jwt, m)?)?;
    m.add_function(wrap_pyfunction!(present_sd_jwt, m)?)?;
    m.add_function(wrap_pyfunction!(verify_credential, m)?)?;
    m.add_function(wrap_pyfunction!(verify_credential_upstream, m)?)?;
    m.add_function(wrap_pyfunction!(verify_status_list_credential, m)?)?;
    m.add_function(wrap_pyfunction!(verify_status_list_token, m)?)?;
    m.add_function(wrap_pyfunction!(status_list_get, m)?)?;
    m.add_function(wrap_pyfunction!(did_web_to_url, m)?)?;
    m.add_function(wrap_pyfunction!(did_web_from_url, m)?)?;
    m.add_function(wrap_pyfunction!(did_key_to_jwk, m)?)?;
    m.add_function(wrap_pyfunction!(agent_did_to_id, m)?)?;
    m.add_function(wrap_pyfunction!(agent_id_to_did, m)?)?;
    m.add_function(wrap_pyfunction!(did_document_key, m)?)?;
    Ok(())
}
