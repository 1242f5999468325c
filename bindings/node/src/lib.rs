//! `grantex.linux-x64-gnu.node`: the N-API layer between Node.js and `grantex-core`.
//!
//! This crate converts types and maps errors, nothing else: every rule lives in `grantex_core` (its typed
//! API for the hot path, `grantex_core::api`'s JSON forms for everything else). The exported JS API is the
//! one the wasm build of `packages/js` exposes; `README.md` in this folder is the contract.
//!
//! * Failures throw a JS `Error` whose `code` is the core's stable code (`INVALID_SIGNATURE`, …) and whose
//!   `message` is the core's message. Arguments of the wrong JS type throw too, with the code the JSON form
//!   of the same call would answer (`INVALID_INPUT`, `INVALID_OPTIONS`, `INVALID_JWKS`), never a napi status.
//! * The `*Json` functions take JSON text and return the core's JSON answer text unchanged
//!   (`{"ok":true,"value":…}` / `{"ok":false,"error":{…}}`); they never throw.
//! * `Verifier.verify` reads the options object and builds the result object natively (no JSON text on the
//!   hot path). `now` defaults to the system clock here, at the binding edge; the core never reads it.
// N-API values are untyped handles: reading one as a string/number/bool is an `unsafe` cast in napi-rs
// (`Unknown::cast`). Every cast below follows a `typeof` check of the same value.
#![allow(unsafe_code)]

use grantex_core::api::{self, OneOrMany, VerifyOptionsJson};
use grantex_core::error::ErrorCode;
use grantex_core::jwk::KeySet;
use grantex_core::scope;
use napi::bindgen_prelude::*;
use napi::{JsValue, KeyCollectionMode, KeyConversion, KeyFilter, ValueType};
use napi_derive::napi;
use std::time::{SystemTime, UNIX_EPOCH};

/// A JS exception carrying a core error code (`err.code`) and message.
/// napi-rs throws `Err(napi::Error<Code>)` as `new Error(reason)` with `code` set to the status string.
type Code = &'static str;
type JsErr = napi::Error<Code>;

fn js_err(code: ErrorCode, message: impl Into<String>) -> JsErr {
    napi::Error::new(code.as_str(), message.into())
}

fn core_err(e: grantex_core::Error) -> JsErr {
    napi::Error::new(e.code.as_str(), e.message)
}

/// A napi failure while reading an argument of `code`'s kind (the JS value was not what it claimed).
fn napi_err(code: ErrorCode) -> impl FnOnce(napi::Error) -> JsErr {
    move |e| js_err(code, e.reason)
}

/// Reading an argument can run user code (a getter, a Proxy trap, `toJSON`) that throws. That exception
/// becomes the `cause` of the coded error thrown instead (its text appended to the message), so every error
/// this addon throws carries a core code.
fn with_pending_cause(env: napi::sys::napi_env, mut err: JsErr) -> JsErr {
    use napi::sys;
    let mut pending = false;
    let mut exception = std::ptr::null_mut();
    // SAFETY: plain N-API calls on the current environment.
    unsafe {
        if sys::napi_is_exception_pending(env, &mut pending) != sys::Status::napi_ok
            || !pending
            || sys::napi_get_and_clear_last_exception(env, &mut exception) != sys::Status::napi_ok
        {
            return err;
        }
        let mut text = std::ptr::null_mut();
        if sys::napi_coerce_to_string(env, exception, &mut text) == sys::Status::napi_ok {
            let described = Unknown::from_raw_unchecked(env, text);
            if let Ok(described) = read_string(&described, ErrorCode::Internal) {
                err.reason = if err.reason.is_empty() {
                    format!("reading the argument threw {described}")
                } else {
                    format!("{}: {described}", err.reason)
                };
            }
        } else {
            // `toString` threw too: drop that second exception.
            let mut ignored = std::ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut ignored);
        }
        err.cause = Some(Box::new(napi::Error::from(Unknown::from_raw_unchecked(
            env, exception,
        ))));
    }
    err
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn type_of(value: &Unknown<'_>, code: ErrorCode) -> Result<ValueType, Code> {
    value.get_type().map_err(napi_err(code))
}

/// The string behind a value already known to be a JS string.
fn read_string(value: &Unknown<'_>, code: ErrorCode) -> Result<String, Code> {
    // Short strings (issuers, scopes, algorithm names): one N-API call into a stack buffer.
    let mut small = [0u8; 256];
    let mut written = 0usize;
    // SAFETY: `small` is valid for its length; N-API writes at most len-1 bytes plus a NUL and fails unless
    // the value is a string.
    let status = unsafe {
        napi::sys::napi_get_value_string_utf8(
            value.value().env,
            value.raw(),
            small.as_mut_ptr().cast(),
            small.len(),
            &mut written,
        )
    };
    if status == napi::sys::Status::napi_ok
        && written < small.len() - 1
        && let Some(Ok(text)) = small.get(..written).map(std::str::from_utf8)
    {
        return Ok(text.to_owned());
    }
    // SAFETY: callers checked `typeof value === "string"`; the napi read re-checks and fails otherwise.
    unsafe { value.cast::<String>() }.map_err(napi_err(code))
}

/// JSON text from a JS string or UTF-8 bytes (Buffer / Uint8Array); `None` for anything else.
fn text_arg(value: &Unknown<'_>, code: ErrorCode) -> Result<Option<String>, Code> {
    match type_of(value, code)? {
        ValueType::String => read_string(value, code).map(Some),
        ValueType::Object if value.is_typedarray().map_err(napi_err(code))? => {
            // SAFETY: the value is a typed array; `Uint8Array::from_napi_value` checks the element type.
            let bytes = unsafe { value.cast::<Uint8Array>() }.map_err(napi_err(code))?;
            String::from_utf8(bytes.to_vec())
                .map(Some)
                .map_err(|_| js_err(code, "JSON bytes must be UTF-8"))
        }
        _ => Ok(None),
    }
}

/// JSON text from a string, UTF-8 bytes, or a plain object/array serialized by the engine's own
/// `JSON.stringify` (so that the native and JSON forms see exactly the same document).
fn json_arg(env: &Env, value: &Unknown<'_>, code: ErrorCode, what: &str) -> Result<String, Code> {
    if let Some(text) = text_arg(value, code)? {
        return Ok(text);
    }
    if type_of(value, code)? != ValueType::Object {
        return Err(js_err(
            code,
            format!("{what} must be JSON text (a string or UTF-8 bytes) or an object"),
        ));
    }
    let stringify: Function<'_, Unknown<'_>, Unknown<'_>> = env
        .get_global()
        .and_then(|g| g.get_named_property::<Object<'_>>("JSON"))
        .and_then(|json| json.get_named_property("stringify"))
        .map_err(napi_err(ErrorCode::Internal))?;
    let text = stringify.call(*value).map_err(|e| {
        // The JS exception (a throwing `toJSON`, a BigInt, a cycle) becomes the `cause`.
        let mut err = js_err(code, format!("{what} cannot be serialized: {}", e.reason));
        err.cause = Some(Box::new(e));
        err
    })?;
    read_string(&text, code)
}

// ---------------------------------------------------------------------------------------------------------
// Grant tokens: the native hot path.
// ---------------------------------------------------------------------------------------------------------

fn invalid_options(message: impl Into<String>) -> JsErr {
    js_err(ErrorCode::InvalidOptions, message)
}

/// A short JS string read with one N-API call into `buffer` (no allocation); `None` when it may not fit.
fn short_string<'b>(value: &Unknown<'_>, buffer: &'b mut [u8; 32]) -> Option<&'b str> {
    let mut written = 0usize;
    // SAFETY: `buffer` is valid for 32 bytes; N-API writes at most 31 bytes plus a NUL.
    let status = unsafe {
        napi::sys::napi_get_value_string_utf8(
            value.value().env,
            value.raw(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            &mut written,
        )
    };
    if status != napi::sys::Status::napi_ok || written >= buffer.len() - 1 {
        return None;
    }
    std::str::from_utf8(buffer.get(..written)?).ok()
}

fn option_number(name: &str, value: &Unknown<'_>, max: f64) -> Result<u64, Code> {
    if type_of(value, ErrorCode::InvalidOptions)? != ValueType::Number {
        return Err(invalid_options(format!("option {name:?} must be a number")));
    }
    // SAFETY: typeof is "number".
    let n = unsafe { value.cast::<f64>() }.map_err(napi_err(ErrorCode::InvalidOptions))?;
    if n.fract() != 0.0 || !(0.0..=max).contains(&n) {
        return Err(invalid_options(format!(
            "option {name:?} must be a non-negative integer, not {n}"
        )));
    }
    // In range and integral: the conversion is exact.
    Ok(n as u64)
}

fn option_string(name: &str, value: &Unknown<'_>) -> Result<String, Code> {
    if type_of(value, ErrorCode::InvalidOptions)? != ValueType::String {
        return Err(invalid_options(format!("option {name:?} must be a string")));
    }
    read_string(value, ErrorCode::InvalidOptions)
}

fn option_bool(name: &str, value: &Unknown<'_>) -> Result<bool, Code> {
    if type_of(value, ErrorCode::InvalidOptions)? != ValueType::Boolean {
        return Err(invalid_options(format!(
            "option {name:?} must be a boolean"
        )));
    }
    // SAFETY: typeof is "boolean".
    unsafe { value.cast::<bool>() }.map_err(napi_err(ErrorCode::InvalidOptions))
}

fn option_strings(name: &str, value: &Unknown<'_>) -> Result<Vec<String>, Code> {
    let err = || invalid_options(format!("option {name:?} must be an array of strings"));
    if !value
        .is_array()
        .map_err(napi_err(ErrorCode::InvalidOptions))?
    {
        return Err(err());
    }
    // SAFETY: the value is an array, hence an object.
    let array =
        unsafe { value.cast::<Object<'_>>() }.map_err(napi_err(ErrorCode::InvalidOptions))?;
    let len = array
        .get_array_length_unchecked()
        .map_err(napi_err(ErrorCode::InvalidOptions))?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let item: Unknown<'_> = array
            .get_element(i)
            .map_err(napi_err(ErrorCode::InvalidOptions))?;
        if type_of(&item, ErrorCode::InvalidOptions)? != ValueType::String {
            return Err(err());
        }
        out.push(read_string(&item, ErrorCode::InvalidOptions)?);
    }
    Ok(out)
}

/// Reads a verify-options object into the core's JSON options with the JSON form's semantics: own
/// enumerable string keys (as `JSON.stringify` sees them), `undefined` members ignored, `null` meaning
/// "absent" where the JSON form allows it, unknown keys rejected (`INVALID_OPTIONS`), `leeway` an alias of
/// `clockTolerance`. `now` defaults to the system clock.
fn read_verify_options(options: Option<Unknown<'_>>) -> Result<VerifyOptionsJson, Code> {
    let mut out = VerifyOptionsJson::default();
    let object = match options {
        None => None,
        Some(value) => match type_of(&value, ErrorCode::InvalidOptions)? {
            ValueType::Undefined | ValueType::Null => None,
            ValueType::Object
                if !value
                    .is_array()
                    .map_err(napi_err(ErrorCode::InvalidOptions))? =>
            {
                // SAFETY: typeof is "object" (not null).
                Some(
                    unsafe { value.cast::<Object<'_>>() }
                        .map_err(napi_err(ErrorCode::InvalidOptions))?,
                )
            }
            _ => return Err(invalid_options("options must be an object")),
        },
    };
    let mut saw_tolerance = false;
    if let Some(object) = object {
        let keys = object
            .get_all_property_names(
                KeyCollectionMode::OwnOnly,
                KeyFilter::Enumerable,
                KeyConversion::NumbersToStrings,
            )
            .map_err(napi_err(ErrorCode::InvalidOptions))?;
        let count = keys
            .get_array_length_unchecked()
            .map_err(napi_err(ErrorCode::InvalidOptions))?;
        for i in 0..count {
            let key: Unknown<'_> = keys
                .get_element(i)
                .map_err(napi_err(ErrorCode::InvalidOptions))?;
            if type_of(&key, ErrorCode::InvalidOptions)? != ValueType::String {
                continue; // symbols: invisible to JSON.stringify
            }
            let value: Unknown<'_> = object
                .get_property(key)
                .map_err(napi_err(ErrorCode::InvalidOptions))?;
            let kind = type_of(&value, ErrorCode::InvalidOptions)?;
            let mut small = [0u8; 32];
            let name = match short_string(&key, &mut small) {
                Some(name) => std::borrow::Cow::Borrowed(name),
                None => std::borrow::Cow::Owned(read_string(&key, ErrorCode::InvalidOptions)?),
            };
            if kind == ValueType::Undefined {
                continue; // dropped by JSON.stringify
            }
            let null = kind == ValueType::Null;
            const U64: f64 = 18_446_744_073_709_549_568.0; // largest f64 below 2^64
            match name.as_ref() {
                "now" => {
                    out.now = if null {
                        None
                    } else {
                        Some(option_number("now", &value, U64)?)
                    }
                }
                "issuer" => {
                    out.issuer = if null {
                        None
                    } else {
                        Some(option_string("issuer", &value)?)
                    }
                }
                "anyIssuer" => out.any_issuer = option_bool("anyIssuer", &value)?,
                "jwksUri" => {
                    out.jwks_uri = if null {
                        None
                    } else {
                        Some(option_string("jwksUri", &value)?)
                    }
                }
                "issuerDid" => {
                    out.issuer_did = if null {
                        None
                    } else {
                        Some(option_string("issuerDid", &value)?)
                    }
                }
                "audience" => {
                    out.audience = match kind {
                        ValueType::Null => None,
                        ValueType::String => {
                            Some(OneOrMany::One(option_string("audience", &value)?))
                        }
                        _ => Some(OneOrMany::Many(
                            option_strings("audience", &value).map_err(|_| {
                                invalid_options(
                                    "option \"audience\" must be a string or an array of strings",
                                )
                            })?,
                        )),
                    }
                }
                "anyAudience" => out.any_audience = option_bool("anyAudience", &value)?,
                "requiredScopes" => out.required_scopes = option_strings("requiredScopes", &value)?,
                "clockTolerance" | "leeway" => {
                    if saw_tolerance {
                        return Err(invalid_options(
                            "give \"clockTolerance\" or its alias \"leeway\", not both",
                        ));
                    }
                    saw_tolerance = true;
                    out.clock_tolerance = if null {
                        None
                    } else {
                        Some(option_number(&name, &value, U64)?)
                    };
                }
                "maxDelegationDepth" => {
                    out.max_delegation_depth = if null {
                        None
                    } else {
                        // At most u32::MAX, so the conversion cannot fail.
                        Some(option_number(&name, &value, f64::from(u32::MAX))? as u32)
                    }
                }
                "algorithms" => {
                    out.algorithms = if null {
                        None
                    } else {
                        Some(option_strings(&name, &value)?)
                    }
                }
                "maxTokenBytes" => {
                    out.max_token_bytes = if null {
                        None
                    } else {
                        Some(
                            usize::try_from(option_number(&name, &value, U64)?)
                                .unwrap_or(usize::MAX),
                        )
                    }
                }
                other => return Err(invalid_options(format!("unknown option {other:?}"))),
            }
        }
    }
    if out.now.is_none() {
        out.now = Some(unix_now());
    }
    Ok(out)
}

/// Runs `f` on the UTF-8 text of a JS string already known to be a string. Tokens are read into a reusable
/// per-thread buffer with one N-API call (no length pre-pass, no allocation); longer strings take the
/// allocating path.
fn with_token_text<T>(value: &Unknown<'_>, f: impl FnOnce(&str) -> T) -> Result<T, Code> {
    use std::cell::RefCell;
    /// Large enough for the default 16 KiB token limit (and its +1 terminator).
    const CAPACITY: usize = 16 * 1024 + 2;
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let mut f = Some(f);
    let fast = BUFFER.with(|cell| -> Result<Option<T>, Code> {
        let Ok(mut buffer) = cell.try_borrow_mut() else {
            return Ok(None); // re-entered (cannot happen: verification never calls back into JS)
        };
        if buffer.len() < CAPACITY {
            buffer.resize(CAPACITY, 0);
        }
        let mut written = 0usize;
        // SAFETY: `buffer` is valid for CAPACITY bytes; N-API writes at most CAPACITY-1 bytes plus a NUL and
        // reports the byte count (without the NUL) in `written`; it fails unless the value is a string.
        let status = unsafe {
            napi::sys::napi_get_value_string_utf8(
                value.value().env,
                value.raw(),
                buffer.as_mut_ptr().cast(),
                CAPACITY,
                &mut written,
            )
        };
        if status != napi::sys::Status::napi_ok {
            return Err(js_err(
                ErrorCode::InvalidInput,
                "the token must be a string",
            ));
        }
        if written >= CAPACITY - 1 {
            return Ok(None); // possibly truncated: read it whole below
        }
        // N-API writes whole UTF-8 sequences only, so this never fails; fall back if it ever did.
        match (
            std::str::from_utf8(buffer.get(..written).unwrap_or_default()),
            f.take(),
        ) {
            (Ok(text), Some(f)) => Ok(Some(f(text))),
            (_, f_back) => {
                f = f_back;
                Ok(None)
            }
        }
    })?;
    match (fast, f) {
        (Some(result), _) => Ok(result),
        (None, Some(f)) => read_string(value, ErrorCode::InvalidInput).map(|text| f(&text)),
        (None, None) => Err(js_err(ErrorCode::Internal, "token reader state")),
    }
}

/// Builds the result objects. Values are created with N-API; the object itself comes from a small
/// object-literal function compiled once per environment, so V8 allocates every grant with one fixed
/// hidden class (about 3x faster than defining the properties one by one through N-API, which dominates
/// the binding's cost per call). Member order is the JSON form's. If the function cannot be compiled (a
/// locked-down embedder), or `GRANTEX_NODE_PLAIN_OBJECTS` is set, the properties are set through N-API
/// instead; the result is the same.
mod shape {
    use super::*;
    use napi::sys;
    use std::ptr;

    const GRANT_FACTORY: &str = "(function grantexVerifiedGrant(t, g, p, a, d, s, i, x, pa, pg, dd, au, is, b, st) {\n\
        'use strict';\n\
        const o = { tokenId: t, grantId: g, principalId: p, agentDid: a, developerId: d, scopes: s, issuedAt: i, expiresAt: x };\n\
        if (pa !== undefined) o.parentAgentDid = pa;\n\
        if (pg !== undefined) o.parentGrantId = pg;\n\
        if (dd !== undefined) o.delegationDepth = dd;\n\
        if (au !== undefined) o.audience = au;\n\
        o.issuer = is;\n\
        if (b !== undefined) o.budgetRemaining = b;\n\
        if (st !== undefined) o.status = st;\n\
        return o;\n\
    })";

    /// Per-environment data (`napi_set_instance_data`): the compiled factory, or null when compiling failed.
    struct Shapes {
        grant: sys::napi_ref,
    }

    unsafe extern "C" fn drop_shapes(
        env: sys::napi_env,
        data: *mut std::ffi::c_void,
        _hint: *mut std::ffi::c_void,
    ) {
        // SAFETY: `data` is the Box<Shapes> leaked in `factory`; N-API calls this once, at environment teardown.
        let shapes = unsafe { Box::from_raw(data.cast::<Shapes>()) };
        if !shapes.grant.is_null() {
            // SAFETY: the reference belongs to this environment.
            unsafe { sys::napi_delete_reference(env, shapes.grant) };
        }
    }

    fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
        if status == sys::Status::napi_ok {
            Ok(())
        } else {
            Err(napi::Error::new(
                napi::Status::GenericFailure,
                format!("N-API {what} failed ({status})"),
            ))
        }
    }

    /// The grant factory of this environment, compiled on first use; `None` if it cannot be compiled.
    fn factory(env: sys::napi_env) -> napi::Result<Option<sys::napi_value>> {
        let mut data: *mut std::ffi::c_void = ptr::null_mut();
        // SAFETY: plain N-API calls on the current environment; `data`, when set, is a Box<Shapes> we leaked.
        unsafe {
            check(
                sys::napi_get_instance_data(env, &mut data),
                "get_instance_data",
            )?;
            if data.is_null() {
                let mut reference = ptr::null_mut();
                let mut source = ptr::null_mut();
                let mut function = ptr::null_mut();
                // GRANTEX_NODE_PLAIN_OBJECTS=1 forces the N-API fallback (its tests use it).
                let compiled = std::env::var_os("GRANTEX_NODE_PLAIN_OBJECTS").is_none()
                    && sys::napi_create_string_utf8(
                        env,
                        GRANT_FACTORY.as_ptr().cast(),
                        GRANT_FACTORY.len() as isize,
                        &mut source,
                    ) == sys::Status::napi_ok
                    && sys::napi_run_script(env, source, &mut function) == sys::Status::napi_ok
                    && sys::napi_create_reference(env, function, 1, &mut reference)
                        == sys::Status::napi_ok;
                if !compiled {
                    let mut pending = ptr::null_mut();
                    let mut is_pending = false;
                    sys::napi_is_exception_pending(env, &mut is_pending);
                    if is_pending {
                        sys::napi_get_and_clear_last_exception(env, &mut pending);
                    }
                    reference = ptr::null_mut();
                }
                let shapes = Box::into_raw(Box::new(Shapes { grant: reference }));
                check(
                    sys::napi_set_instance_data(
                        env,
                        shapes.cast(),
                        Some(drop_shapes),
                        ptr::null_mut(),
                    ),
                    "set_instance_data",
                )?;
                data = shapes.cast();
            }
            let shapes = &*data.cast::<Shapes>();
            if shapes.grant.is_null() {
                return Ok(None);
            }
            let mut function = ptr::null_mut();
            check(
                sys::napi_get_reference_value(env, shapes.grant, &mut function),
                "get_reference_value",
            )?;
            Ok(Some(function))
        }
    }

    fn string(env: sys::napi_env, value: &str) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: `value` is valid UTF-8 of the given length.
        check(
            unsafe {
                sys::napi_create_string_utf8(
                    env,
                    value.as_ptr().cast(),
                    value.len() as isize,
                    &mut out,
                )
            },
            "create_string_utf8",
        )?;
        Ok(out)
    }

    fn number(env: sys::napi_env, value: f64) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: plain N-API call.
        check(
            unsafe { sys::napi_create_double(env, value, &mut out) },
            "create_double",
        )?;
        Ok(out)
    }

    fn strings(env: sys::napi_env, values: &[String]) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: plain N-API calls; `out` is the array just created.
        unsafe {
            check(
                sys::napi_create_array_with_length(env, values.len(), &mut out),
                "create_array",
            )?;
            for (i, value) in values.iter().enumerate() {
                let index =
                    u32::try_from(i).map_err(|_| napi::Error::from_reason("array too long"))?;
                check(
                    sys::napi_set_element(env, out, index, string(env, value)?),
                    "set_element",
                )?;
            }
        }
        Ok(out)
    }

    fn undefined(env: sys::napi_env) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: plain N-API call.
        check(
            unsafe { sys::napi_get_undefined(env, &mut out) },
            "get_undefined",
        )?;
        Ok(out)
    }

    fn object(
        env: sys::napi_env,
        members: &[(&std::ffi::CStr, sys::napi_value)],
    ) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        // SAFETY: plain N-API calls; names are NUL-terminated.
        unsafe {
            check(sys::napi_create_object(env, &mut out), "create_object")?;
            for (name, value) in members {
                check(
                    sys::napi_set_named_property(env, out, name.as_ptr(), *value),
                    "set_named_property",
                )?;
            }
        }
        Ok(out)
    }

    /// The verified grant as a plain JS object (optional members absent when unset).
    pub(super) fn grant_to_js<'env>(
        env: &'env Env,
        g: api::VerifiedGrant,
    ) -> napi::Result<Unknown<'env>> {
        let e = env.raw();
        let optional_string =
            |v: &Option<String>| v.as_deref().map_or_else(|| undefined(e), |s| string(e, s));
        let status = match &g.status {
            None => undefined(e)?,
            // u64 → nearest double, as JSON.parse reads the JSON form's integer.
            Some(r) => object(
                e,
                &[
                    (c"uri", string(e, &r.uri)?),
                    (c"idx", number(e, r.idx as f64)?),
                ],
            )?,
        };
        let values = [
            string(e, &g.token_id)?,
            string(e, &g.grant_id)?,
            string(e, &g.principal_id)?,
            string(e, &g.agent_did)?,
            string(e, &g.developer_id)?,
            strings(e, &g.scopes)?,
            number(e, g.issued_at as f64)?,
            number(e, g.expires_at as f64)?,
            optional_string(&g.parent_agent_did)?,
            optional_string(&g.parent_grant_id)?,
            g.delegation_depth
                .map_or_else(|| undefined(e), |d| number(e, f64::from(d)))?,
            g.audience
                .as_deref()
                .map_or_else(|| undefined(e), |a| strings(e, a))?,
            string(e, &g.issuer)?,
            g.budget_remaining
                .map_or_else(|| undefined(e), |b| number(e, b))?,
            status,
        ];
        let out = match factory(e)? {
            Some(function) => {
                let mut out = ptr::null_mut();
                // SAFETY: `function` is the factory; `values` holds exactly its 15 parameters.
                check(
                    unsafe {
                        sys::napi_call_function(
                            e,
                            undefined(e)?,
                            function,
                            values.len(),
                            values.as_ptr(),
                            &mut out,
                        )
                    },
                    "call_function",
                )?;
                out
            }
            None => {
                const NAMES: [&std::ffi::CStr; 15] = [
                    c"tokenId",
                    c"grantId",
                    c"principalId",
                    c"agentDid",
                    c"developerId",
                    c"scopes",
                    c"issuedAt",
                    c"expiresAt",
                    c"parentAgentDid",
                    c"parentGrantId",
                    c"delegationDepth",
                    c"audience",
                    c"issuer",
                    c"budgetRemaining",
                    c"status",
                ];
                let mut members = Vec::with_capacity(NAMES.len());
                let absent = undefined(e)?;
                for (name, value) in NAMES.iter().zip(values) {
                    let mut same = false;
                    // SAFETY: plain N-API call on two values of this environment.
                    check(
                        unsafe { sys::napi_strict_equals(e, value, absent, &mut same) },
                        "strict_equals",
                    )?;
                    if !same {
                        members.push((*name, value));
                    }
                }
                object(e, &members)?
            }
        };
        // SAFETY: `out` is a live object of this environment.
        Ok(unsafe { Unknown::from_raw_unchecked(e, out) })
    }
}

/// A JWKS parsed once, its keys handed to the crypto backend once; verifies grant tokens synchronously.
#[napi]
pub struct Verifier {
    keys: KeySet,
}

#[napi]
impl Verifier {
    /// Builds a verifier from a JWKS given as JSON text, UTF-8 bytes or an object; throws `INVALID_JWKS`.
    #[napi(constructor)]
    pub fn new(env: Env, jwks: Unknown<'_>) -> Result<Self, Code> {
        let text = json_arg(&env, &jwks, ErrorCode::InvalidJwks, "the JWKS")
            .map_err(|e| with_pending_cause(env.raw(), e))?;
        let keys = KeySet::from_jwks_json(&text).map_err(core_err)?;
        Ok(Verifier { keys })
    }

    /// Verifies a grant token; returns the verified grant or throws an `Error` with the core's `code`.
    ///
    /// `options` is an object (the fast path; `now` defaults to the system clock) or the core's JSON options
    /// as text (`now` required, exactly as the wasm build's `verify(token, optionsJson)`).
    #[napi(
        ts_args_type = "token: string, options?: VerifyOptions | string",
        ts_return_type = "VerifiedGrant"
    )]
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        token: Unknown<'env>,
        options: Option<Unknown<'env>>,
    ) -> Result<Unknown<'env>, Code> {
        if type_of(&token, ErrorCode::InvalidInput)? != ValueType::String {
            return Err(js_err(
                ErrorCode::InvalidInput,
                "the token must be a string",
            ));
        }
        let options = match options {
            // JSON text: the core's JSON options verbatim (`now` required), as the wasm build takes them.
            Some(text) if type_of(&text, ErrorCode::InvalidOptions)? == ValueType::String => {
                api::parse_verify_options(&read_string(&text, ErrorCode::InvalidOptions)?)
            }
            other => read_verify_options(other)
                .map_err(|e| with_pending_cause(env.raw(), e))?
                .into_options(),
        }
        .map_err(core_err)?;
        let grant = with_token_text(&token, |token| {
            api::verify_grant_token(&self.keys, token, &options)
        })?
        .map_err(core_err)?;
        shape::grant_to_js(env, grant).map_err(napi_err(ErrorCode::Internal))
    }

    /// As `verify` with JSON options text, answering with the core's JSON answer text instead of throwing.
    #[napi(ts_args_type = "token: string, optionsJson: string")]
    pub fn verify_json(&self, token: Unknown<'_>, options_json: Unknown<'_>) -> String {
        match (
            text_arg(&token, ErrorCode::InvalidInput),
            text_arg(&options_json, ErrorCode::InvalidInput),
        ) {
            (Ok(Some(token)), Ok(Some(options))) => {
                api::verify_grant_token_with_keys_json(&self.keys, &token, &options)
            }
            _ => invalid_input_answer("the token and the options must be JSON text (strings)"),
        }
    }

    /// Verifies an SD-JWT presentation against this key set (`SdJwtVerifyOptionsJson` text); answer text.
    #[napi(
        js_name = "verifySdJwtJson",
        ts_args_type = "presentation: string, optionsJson: string"
    )]
    pub fn verify_sd_jwt_json(
        &self,
        presentation: Unknown<'_>,
        options_json: Unknown<'_>,
    ) -> String {
        match (
            text_arg(&presentation, ErrorCode::InvalidInput),
            text_arg(&options_json, ErrorCode::InvalidInput),
        ) {
            (Ok(Some(presentation)), Ok(Some(options))) => {
                api::verify_sd_jwt_with_keys_json(&self.keys, &presentation, &options)
            }
            _ => {
                invalid_input_answer("the presentation and the options must be JSON text (strings)")
            }
        }
    }

    /// The RFC 7638 thumbprint of the one key that would verify a token signed with `alg` naming `kid`;
    /// throws `UNKNOWN_KEY` / `INVALID_KEY` / `UNSUPPORTED_ALGORITHM`.
    #[napi(ts_args_type = "alg: string, kid?: string | null")]
    pub fn select_thumbprint(
        &self,
        alg: Unknown<'_>,
        kid: Option<Unknown<'_>>,
    ) -> Result<String, Code> {
        let alg = scope_arg(&alg, "the algorithm")?;
        let kid = optional_text(kid, "the kid")?;
        let algorithm = grantex_core::crypto::Algorithm::parse(&alg).map_err(core_err)?;
        self.keys
            .select_thumbprint(algorithm, kid.as_deref())
            .map(str::to_owned)
            .map_err(core_err)
    }

    /// A summary of every key as a JSON array of `{kid, thumbprint, alg, unusable}`.
    #[napi]
    pub fn keys_json(&self) -> String {
        let keys: Vec<serde_json::Value> = self
            .keys
            .keys()
            .into_iter()
            .map(|k| serde_json::json!({"kid": k.kid, "thumbprint": k.thumbprint, "alg": k.alg, "unusable": k.unusable}))
            .collect();
        serde_json::Value::Array(keys).to_string()
    }

    /// Number of keys in the set, usable or not.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.keys.len()).unwrap_or(u32::MAX)
    }
}

// ---------------------------------------------------------------------------------------------------------
// JSON forms: text in, the core's answer text out.
// ---------------------------------------------------------------------------------------------------------

fn invalid_input_answer(message: &str) -> String {
    api::answer_json::<()>(Err(grantex_core::Error::new(
        ErrorCode::InvalidInput,
        message,
    )))
}

/// Runs a JSON-form call on a text argument; a non-text argument is an `INVALID_INPUT` answer.
fn json_call(request: &Unknown<'_>, call: fn(&str) -> String) -> String {
    match text_arg(request, ErrorCode::InvalidInput) {
        Ok(Some(text)) => call(&text),
        Ok(None) => invalid_input_answer("the request must be JSON text (a string or UTF-8 bytes)"),
        Err(e) => invalid_input_answer(&e.reason),
    }
}

/// `{"jwks":…,"token":…,"options":…}` → answer with the verified grant (`options.now` required).
#[napi(ts_args_type = "requestJson: string")]
pub fn verify_grant_token_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::verify_grant_token_json)
}

/// `{"jwks":…,"presentation":…,"options":…}` → answer with the verified SD-JWT presentation.
#[napi(js_name = "verifySdJwtJson", ts_args_type = "requestJson: string")]
pub fn verify_sd_jwt_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::verify_sd_jwt_json)
}

/// `{"sdJwt":…,"disclose":[paths]}` → answer with the presentation string.
#[napi(js_name = "presentSdJwtJson", ts_args_type = "requestJson: string")]
pub fn present_sd_jwt_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::present_sd_jwt_json)
}

/// `{"jwks":…,"credential":…,"options":…,"statusLists":{…}}` → answer with the verified credential.
#[napi(ts_args_type = "requestJson: string")]
pub fn verify_credential_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::verify_credential_json)
}

/// `{"list":…,"index":n}` → answer `{"status":n}`.
#[napi(ts_args_type = "requestJson: string")]
pub fn status_list_get_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::status_list_get_json)
}

/// JSON text of an array of audit entries (exactly as received) → answer with the chain report.
#[napi(ts_args_type = "entriesJson: string")]
pub fn verify_audit_chain_json(entries_json: Unknown<'_>) -> String {
    json_call(&entries_json, api::verify_audit_chain_json)
}

// ---------------------------------------------------------------------------------------------------------
// DIDs (PROTOCOL.md §1.5): the JSON forms (the wasm build's names) and throwing forms over the same answers.
// ---------------------------------------------------------------------------------------------------------

/// A JSON value (an answer's `value`) as a JS value.
fn json_to_js<'env>(env: &'env Env, value: &serde_json::Value) -> napi::Result<Unknown<'env>> {
    use serde_json::Value;
    match value {
        Value::Null => Null.into_unknown(env),
        Value::Bool(b) => b.into_unknown(env),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN).into_unknown(env),
        Value::String(s) => s.as_str().into_unknown(env),
        Value::Array(items) => items
            .iter()
            .map(|item| json_to_js(env, item))
            .collect::<napi::Result<Vec<_>>>()?
            .into_unknown(env),
        Value::Object(members) => {
            let mut object = Object::new(env)?;
            for (name, member) in members {
                object.set(name, json_to_js(env, member)?)?;
            }
            ToNapiValue::into_unknown(object, env)
        }
    }
}

/// The `value` of a core answer as a JS value, or its error thrown with the answer's code.
fn answer_to_js<'env>(env: &'env Env, answer: &str) -> Result<Unknown<'env>, Code> {
    let parsed: serde_json::Value = serde_json::from_str(answer)
        .map_err(|e| js_err(ErrorCode::Internal, format!("unreadable core answer: {e}")))?;
    if parsed.get("ok") == Some(&serde_json::Value::Bool(true)) {
        let value = parsed.get("value").unwrap_or(&serde_json::Value::Null);
        return json_to_js(env, value).map_err(napi_err(ErrorCode::Internal));
    }
    let error = parsed.get("error");
    let field = |name: &str| {
        error
            .and_then(|e| e.get(name))
            .and_then(serde_json::Value::as_str)
    };
    let code = field("code")
        .and_then(ErrorCode::parse)
        .unwrap_or(ErrorCode::Internal);
    Err(js_err(code, field("message").unwrap_or("unknown error")))
}

/// A string argument of the throwing DID functions (`INVALID_INPUT` otherwise).
fn did_call<'env>(
    env: &'env Env,
    value: &Unknown<'_>,
    what: &str,
    call: fn(&str) -> String,
) -> Result<Unknown<'env>, Code> {
    let text = scope_arg(value, what)?;
    answer_to_js(env, &call(&text))
}

/// Runs a DID JSON form on a string argument; anything else answers `INVALID_INPUT`.
fn did_json_call(value: &Unknown<'_>, what: &str, call: fn(&str) -> String) -> String {
    match scope_arg(value, what) {
        Ok(text) => call(&text),
        Err(e) => invalid_input_answer(&e.reason),
    }
}

/// The URL of a `did:web` DID's document; throws `INVALID_DID`.
#[napi(ts_args_type = "did: string", ts_return_type = "string")]
pub fn did_web_to_url<'env>(env: &'env Env, did: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    did_call(env, &did, "the DID", api::did_web_to_url_json)
}

/// The `did:web` DID of a base URL; throws `INVALID_DID`.
#[napi(ts_args_type = "url: string", ts_return_type = "string")]
pub fn did_web_from_url<'env>(env: &'env Env, url: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    did_call(env, &url, "the URL", api::did_web_from_url_json)
}

/// The public JWK of a `did:key` (Ed25519 or P-256); throws `INVALID_DID`.
#[napi(
    ts_args_type = "did: string",
    ts_return_type = "Record<string, string>"
)]
pub fn did_key_to_jwk<'env>(env: &'env Env, did: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    did_call(env, &did, "the DID", api::did_key_to_jwk_json)
}

/// The agent id of `did:grantex:ag_<ULID>`; throws `INVALID_DID`.
#[napi(ts_args_type = "did: string", ts_return_type = "string")]
pub fn agent_did_to_id<'env>(env: &'env Env, did: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    did_call(env, &did, "the DID", api::agent_did_to_id_json)
}

/// The agent DID of `ag_<ULID>`; throws `INVALID_DID`.
#[napi(ts_args_type = "agentId: string", ts_return_type = "string")]
pub fn agent_id_to_did<'env>(env: &'env Env, agent_id: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    did_call(env, &agent_id, "the agent id", api::agent_id_to_did_json)
}

/// The public JWK of `reference` in a resolved DID document: `{did, document (object or JSON text),
/// reference, purpose?}` (an object, or its JSON text); throws `INVALID_DID` / `INVALID_INPUT`.
#[napi(
    ts_args_type = "request: { did: string; document: object | string; reference: string; purpose?: string } | string",
    ts_return_type = "Record<string, string>"
)]
pub fn did_document_key<'env>(env: &'env Env, request: Unknown<'_>) -> Result<Unknown<'env>, Code> {
    let text = json_arg(env, &request, ErrorCode::InvalidInput, "the request")
        .map_err(|e| with_pending_cause(env.raw(), e))?;
    answer_to_js(env, &api::did_document_key_json(&text))
}

/// `did:web` DID → answer text (value: the document URL).
#[napi(ts_args_type = "did: string")]
pub fn did_web_to_url_json(did: Unknown<'_>) -> String {
    did_json_call(&did, "the DID", api::did_web_to_url_json)
}

/// Base URL → answer text (value: the `did:web` DID).
#[napi(ts_args_type = "url: string")]
pub fn did_web_from_url_json(url: Unknown<'_>) -> String {
    did_json_call(&url, "the URL", api::did_web_from_url_json)
}

/// `did:key` → answer text (value: the public JWK).
#[napi(ts_args_type = "did: string")]
pub fn did_key_to_jwk_json(did: Unknown<'_>) -> String {
    did_json_call(&did, "the DID", api::did_key_to_jwk_json)
}

/// Agent DID → answer text (value: the agent id).
#[napi(ts_args_type = "did: string")]
pub fn agent_did_to_id_json(did: Unknown<'_>) -> String {
    did_json_call(&did, "the DID", api::agent_did_to_id_json)
}

/// Agent id → answer text (value: the agent DID).
#[napi(ts_args_type = "agentId: string")]
pub fn agent_id_to_did_json(agent_id: Unknown<'_>) -> String {
    did_json_call(&agent_id, "the agent id", api::agent_id_to_did_json)
}

/// `{"did","document","reference","purpose"?}` JSON text → answer text (value: the public JWK).
#[napi(ts_args_type = "requestJson: string")]
pub fn did_document_key_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::did_document_key_json)
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------------------

/// RFC 7638 thumbprint of a JWK (JSON text, UTF-8 bytes or an object); throws `INVALID_JWKS`/… on failure.
#[napi(ts_args_type = "jwk: string | object")]
pub fn jwk_thumbprint(env: Env, jwk: Unknown<'_>) -> Result<String, Code> {
    let text = json_arg(&env, &jwk, ErrorCode::InvalidJwks, "the JWK")
        .map_err(|e| with_pending_cause(env.raw(), e))?;
    grantex_core::jwk::thumbprint(&text).map_err(core_err)
}

/// Input of [`resolve_issuer`].
#[napi(object, object_to_js = false)]
pub struct ResolveIssuerOptions {
    /// JWKS URL.
    pub jwks_uri: Option<String>,
    /// Expected issuer.
    pub issuer: Option<String>,
    /// Issuer DID (`did:web:…`).
    pub issuer_did: Option<String>,
}

/// Output of [`resolve_issuer`].
#[napi(object, object_from_js = false)]
pub struct IssuerResolution {
    /// Where to fetch the JWKS.
    pub jwks_uri: String,
    /// The issuer tokens must carry.
    pub issuer: String,
}

/// `{jwksUri?, issuer?, issuerDid?}` → `{jwksUri, issuer}` as the upstream SDKs derive them; throws
/// `INVALID_OPTIONS`.
#[napi(
    ts_args_type = "options: ResolveIssuerOptions",
    ts_return_type = "IssuerResolution"
)]
pub fn resolve_issuer(env: Env, options: Unknown<'_>) -> Result<IssuerResolution, Code> {
    let (jwks_uri, issuer, issuer_did) = match type_of(&options, ErrorCode::InvalidOptions)? {
        ValueType::Object => {
            // SAFETY: typeof is "object"; the generated reader checks each member's type.
            let o = unsafe { options.cast::<ResolveIssuerOptions>() }
                .map_err(napi_err(ErrorCode::InvalidOptions))
                .map_err(|e| with_pending_cause(env.raw(), e))?;
            (o.jwks_uri, o.issuer, o.issuer_did)
        }
        _ => {
            return Err(invalid_options(
                "resolveIssuer takes an object {jwksUri?, issuer?, issuerDid?}",
            ));
        }
    };
    api::resolve_issuer(
        jwks_uri.as_deref(),
        issuer.as_deref(),
        issuer_did.as_deref(),
    )
    .map(|r| IssuerResolution {
        jwks_uri: r.jwks_uri,
        issuer: r.issuer,
    })
    .map_err(core_err)
}

fn scope_arg(value: &Unknown<'_>, what: &str) -> Result<String, Code> {
    if type_of(value, ErrorCode::InvalidInput)? != ValueType::String {
        return Err(js_err(
            ErrorCode::InvalidInput,
            format!("{what} must be a string"),
        ));
    }
    read_string(value, ErrorCode::InvalidInput)
}

/// True when the granted scope covers the required one (constraint-aware).
#[napi(ts_args_type = "granted: string, required: string")]
pub fn satisfies(granted: Unknown<'_>, required: Unknown<'_>) -> Result<bool, Code> {
    Ok(scope::satisfies(
        &scope_arg(&granted, "the granted scope")?,
        &scope_arg(&required, "the required scope")?,
    ))
}

/// True when `child` grants no more than `parent`.
#[napi(ts_args_type = "child: string, parent: string")]
pub fn narrows(child: Unknown<'_>, parent: Unknown<'_>) -> Result<bool, Code> {
    Ok(scope::narrows(
        &scope_arg(&child, "the child scope")?,
        &scope_arg(&parent, "the parent scope")?,
    ))
}

/// The crate version.
#[napi]
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// ---------------------------------------------------------------------------------------------------------
// The wasm build's names (bindings/wasm), so that packages/js can use either core through one interface.
// ---------------------------------------------------------------------------------------------------------

/// As [`verify_credential_json`], answering in upstream's `POST /v1/credentials/verify` shape.
#[napi(ts_args_type = "requestJson: string")]
pub fn verify_credential_upstream_json(request_json: Unknown<'_>) -> String {
    json_call(&request_json, api::verify_credential_upstream_json)
}

/// RFC 7638 thumbprint of a JWK given as JSON text → answer text (value: the thumbprint).
#[napi(ts_args_type = "jwkJson: string")]
pub fn jwk_thumbprint_json(jwk_json: Unknown<'_>) -> String {
    json_call(&jwk_json, api::jwk_thumbprint_json)
}

/// Header and payload of a token WITHOUT verification → answer text.
#[napi(ts_args_type = "token: string")]
pub fn decode_unverified_json(token: Unknown<'_>) -> String {
    json_call(&token, api::decode_unverified_json)
}

/// Optional string argument of the wasm-style functions: absent, `undefined` or `null` → `None`.
fn optional_text(value: Option<Unknown<'_>>, what: &str) -> Result<Option<String>, Code> {
    match value {
        None => Ok(None),
        Some(v) => match type_of(&v, ErrorCode::InvalidInput)? {
            ValueType::Undefined | ValueType::Null => Ok(None),
            _ => scope_arg(&v, what).map(Some),
        },
    }
}

/// `(jwksUri?, issuer?, issuerDid?)` → answer text (value `{jwksUri, issuer}`), as the wasm build.
#[napi(ts_args_type = "jwksUri?: string | null, issuer?: string | null, issuerDid?: string | null")]
pub fn resolve_issuer_json(
    jwks_uri: Option<Unknown<'_>>,
    issuer: Option<Unknown<'_>>,
    issuer_did: Option<Unknown<'_>>,
) -> String {
    let args = (|| {
        Ok::<_, JsErr>((
            optional_text(jwks_uri, "jwksUri")?,
            optional_text(issuer, "issuer")?,
            optional_text(issuer_did, "issuerDid")?,
        ))
    })();
    match args {
        Ok((j, i, d)) => api::answer_json(api::resolve_issuer(
            j.as_deref(),
            i.as_deref(),
            d.as_deref(),
        )),
        Err(e) => invalid_input_answer(&e.reason),
    }
}

/// Same as [`satisfies`] (the wasm build's name).
#[napi(ts_args_type = "granted: string, required: string")]
pub fn scope_satisfies(granted: Unknown<'_>, required: Unknown<'_>) -> Result<bool, Code> {
    satisfies(granted, required)
}

/// Same as [`narrows`] (the wasm build's name).
#[napi(ts_args_type = "child: string, parent: string")]
pub fn scope_narrows(child: Unknown<'_>, parent: Unknown<'_>) -> Result<bool, Code> {
    narrows(child, parent)
}

/// Plain-language description of a scope (consent screens).
#[napi(ts_args_type = "scope: string")]
pub fn scope_describe(scope: Unknown<'_>) -> Result<String, Code> {
    Ok(scope::describe(&scope_arg(&scope, "the scope")?))
}

/// The core's version (the crate version of this build).
#[napi]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
