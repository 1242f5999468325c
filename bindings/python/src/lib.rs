//! `grantex_core._native`: the pyo3 layer between Python and `grantex-core`.
//!
//! This crate converts types and maps errors, nothing else: every rule lives in `grantex_core::api` and the
//! modules it re-exports. Errors are raised as the exception classes of the pure-Python package
//! (`grantex_core.errors._from_code`, imported once, on the first error), so that importing
//! `_native` alone works too and errors still get their class by code.
//!
//! Verification releases the GIL while the signature and claims are checked, so verifying from several
//! threads runs in parallel.

use grantex_core::api::{self, OneOrMany, VerifyOptionsJson};
use grantex_core::audit;
use grantex_core::error::{Error, ErrorCode};
use grantex_core::jwk::KeySet;
use grantex_core::scope::{self, Scope};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

static ERROR_FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static VERIFIED_GRANT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static CHAIN_REPORT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static JSON_DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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

/// JSON text from `str`, UTF-8 `bytes` or a mapping (a JWKS or JWK as a dict, serialized by `json.dumps`).
fn json_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyString>() {
        return value.extract::<String>();
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec())
            .map_err(|_| PyTypeError::new_err("JSON bytes must be UTF-8"));
    }
    if value.is_instance_of::<PyDict>() || value.cast::<PyMapping>().is_ok() {
        let dumps = JSON_DUMPS.import(value.py(), "json", "dumps")?;
        return dumps.call1((value,))?.extract::<String>();
    }
    Err(PyTypeError::new_err(format!(
        "expected JSON text (str or bytes) or a mapping, not {}",
        value.get_type().name()?
    )))
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
    /// system clock; `algorithms` to `("RS256",)`.
    #[pyo3(signature = (
        token, *, issuer = None, audience = None, required_scopes = None, clock_tolerance = 0, now = None,
        max_delegation_depth = None, any_audience = false, any_issuer = false, algorithms = None,
        jwks_uri = None, issuer_did = None, max_token_bytes = None
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
        let result = py.detach(move || api::verify_grant_token(&keys, token, &options));
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
    let kw = PyDict::new(py);
    kw.set_item("token_id", g.token_id)?;
    kw.set_item("grant_id", g.grant_id)?;
    kw.set_item("principal_id", g.principal_id)?;
    kw.set_item("agent_did", g.agent_did)?;
    kw.set_item("developer_id", g.developer_id)?;
    kw.set_item("scopes", PyTuple::new(py, g.scopes)?)?;
    kw.set_item("issued_at", g.issued_at)?;
    kw.set_item("expires_at", g.expires_at)?;
    kw.set_item("parent_agent_did", g.parent_agent_did)?;
    kw.set_item("parent_grant_id", g.parent_grant_id)?;
    kw.set_item("delegation_depth", g.delegation_depth)?;
    kw.set_item(
        "audience",
        g.audience.map(|a| PyTuple::new(py, a)).transpose()?,
    )?;
    kw.set_item("issuer", g.issuer)?;
    kw.set_item("budget_remaining", g.budget_remaining)?;
    // `status` (the token's status-list reference) is not exposed yet: the status hooks come with the
    // status-list API of the core.
    let cls = VERIFIED_GRANT.import(py, "grantex_core._types", "VerifiedGrant")?;
    cls.call((), Some(&kw))
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
    Ok(())
}
